#!/bin/sh
# Airlock's read-only role in AWS, assumed with AssumeRoleWithWebIdentity on the Function App's
# Entra ID token (no access keys). Run in each audited account (or through StackSets):
#   ACCOUNT_ID=111122223333 TENANT_ID=<entra tenant> PRINCIPAL_ID=<identity object id> \
#   APP_ID_URI=api://<app registration> sh infra/aws/setup.sh
set -eu
: "${ACCOUNT_ID:?}" "${TENANT_ID:?}" "${PRINCIPAL_ID:?}" "${APP_ID_URI:?}"
ROLE=${ROLE:-AirlockReadOnly}
HERE=$(dirname "$0")

aws iam create-open-id-connect-provider --url "https://sts.windows.net/$TENANT_ID/" --client-id-list "$APP_ID_URI"
export ACCOUNT_ID TENANT_ID PRINCIPAL_ID APP_ID_URI
envsubst < "$HERE/trust-policy.json" > airlock-trust-policy.json
aws iam create-role --role-name "$ROLE" --assume-role-policy-document file://airlock-trust-policy.json --max-session-duration 3600
# Describe/List/Get only, rendered from the collectors' declared operations.
npx airlock permissions --cloud aws > airlock-aws-policy.json
aws iam put-role-policy --role-name "$ROLE" --policy-name airlock-read-only --policy-document file://airlock-aws-policy.json
