#!/bin/sh
# Airlock's read-only access to GCP through Workload Identity Federation: the Function App's
# managed identity presents an Entra ID token; no service account key exists anywhere.
#   ORG_ID=123 PROJECT_ID=airlock-host TENANT_ID=<entra tenant> PRINCIPAL_ID=<identity object id> \
#   APP_ID_URI=api://<app registration> sh infra/gcp/setup.sh
set -eu
: "${ORG_ID:?}" "${PROJECT_ID:?}" "${TENANT_ID:?}" "${PRINCIPAL_ID:?}" "${APP_ID_URI:?}"
POOL=${POOL:-airlock}
PROVIDER=${PROVIDER:-entra}
ROLE=${ROLE:-airlockReader}
PROJECT_NUMBER=$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')

gcloud iam workload-identity-pools create "$POOL" --project "$PROJECT_ID" --location global \
  --display-name "Airlock (Azure Functions)"
gcloud iam workload-identity-pools providers create-oidc "$PROVIDER" --project "$PROJECT_ID" \
  --location global --workload-identity-pool "$POOL" \
  --issuer-uri "https://login.microsoftonline.com/$TENANT_ID/v2.0" \
  --allowed-audiences "$APP_ID_URI" \
  --attribute-mapping "google.subject=assertion.sub" \
  --attribute-condition "assertion.sub == '$PRINCIPAL_ID'"

# The custom role holds exactly the permissions the collectors declare.
npx airlock permissions --cloud gcp > airlock-gcp-role.yaml
gcloud iam roles create "$ROLE" --organization "$ORG_ID" --file airlock-gcp-role.yaml

gcloud organizations add-iam-policy-binding "$ORG_ID" --role "organizations/$ORG_ID/roles/$ROLE" \
  --member "principal://iam.googleapis.com/projects/$PROJECT_NUMBER/locations/global/workloadIdentityPools/$POOL/subject/$PRINCIPAL_ID"
echo "audience for the collector: //iam.googleapis.com/projects/$PROJECT_NUMBER/locations/global/workloadIdentityPools/$POOL/providers/$PROVIDER"
