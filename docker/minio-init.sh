#!/bin/sh
# One-shot setup of MinIO for the callcenter stack (the `minio-init` service,
# minio/mc image). Safe to run again: every step is idempotent.
#
# 1. the recordings bucket, created WITH object lock (it cannot be turned on
#    later: retention set on a bucket without it protects nothing), and checked;
# 2. the app's own S3 user, limited to that bucket (the root user stays with
#    the operator).
#
# Environment: MINIO_ROOT_USER, MINIO_ROOT_PASSWORD, BUCKET,
# CALLCENTER_S3_ACCESS_KEY, CALLCENTER_S3_SECRET_KEY.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${BUCKET:?}"
: "${CALLCENTER_S3_ACCESS_KEY:?}" "${CALLCENTER_S3_SECRET_KEY:?}"

ALIAS=local
POLICY=callcenter-recordings
ENDPOINT="${MINIO_ENDPOINT:-http://127.0.0.1:9000}"

mc alias set "$ALIAS" "$ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null

# -- 1. the bucket, with object lock ------------------------------------------
mc mb --ignore-existing --with-lock "$ALIAS/$BUCKET"

# Fails when the bucket has no object lock configuration at all (e.g. it
# existed before, made without --with-lock); then it must be recreated.
lock="$(mc retention info --default --json --no-color "$ALIAS/$BUCKET")" || {
    echo "minio-init: bucket '$BUCKET' has no object lock; it must be recreated with it" >&2
    exit 1
}
case "$lock" in
    *'"enabled": "Enabled"'*) echo "minio-init: bucket '$BUCKET' has object lock enabled" ;;
    *)
        echo "minio-init: object lock is not enabled on bucket '$BUCKET': $lock" >&2
        exit 1
        ;;
esac

# -- 2. the app's user ---------------------------------------------------------
if [ "$CALLCENTER_S3_ACCESS_KEY" = "$MINIO_ROOT_USER" ]; then
    echo "minio-init: the app uses the root credentials; no separate user made" >&2
    exit 0
fi

# Everything on this bucket, except weakening the lock or the bucket itself.
policy_file="$(mktemp)"
cat > "$policy_file" <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:ListAllMyBuckets"],
      "Resource": ["arn:aws:s3:::*"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:*"],
      "Resource": ["arn:aws:s3:::$BUCKET", "arn:aws:s3:::$BUCKET/*"]
    },
    {
      "Effect": "Deny",
      "Action": [
        "s3:BypassGovernanceRetention",
        "s3:DeleteBucket",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketPolicy"
      ],
      "Resource": ["arn:aws:s3:::$BUCKET", "arn:aws:s3:::$BUCKET/*"]
    }
  ]
}
EOF
mc admin policy create "$ALIAS" "$POLICY" "$policy_file"
rm -f "$policy_file"

# `user add` on an existing user resets its secret: .env stays the truth.
mc admin user add "$ALIAS" "$CALLCENTER_S3_ACCESS_KEY" "$CALLCENTER_S3_SECRET_KEY" >/dev/null

# A second attach fails with "policy change is already in effect": not an error.
if ! out="$(mc admin policy attach "$ALIAS" "$POLICY" --user "$CALLCENTER_S3_ACCESS_KEY" 2>&1)"; then
    case "$out" in
        *"already in effect"*) ;;
        *)
            echo "$out" >&2
            exit 1
            ;;
    esac
fi
echo "minio-init: user for the app is ready (policy $POLICY on bucket '$BUCKET')"
