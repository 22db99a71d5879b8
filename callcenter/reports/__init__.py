"""Report packs: daily, weekly, monthly and annual PowerPoint and Excel files from the KPIs."""
