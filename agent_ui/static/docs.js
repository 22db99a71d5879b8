// Swagger UI for /openapi.json, from files served by this origin (no CDN, no inline script).
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  validatorUrl: null, // no badge fetched from swagger.io
  presets: [SwaggerUIBundle.presets.apis],
});
