// Airlock on Azure: a Flex Consumption Function App (Node 22) running as a user-assigned managed
// identity, its storage account reached with identity-based connections only (no shared keys),
// Application Insights with Entra ID auth, a Key Vault holding the webhook URLs (Key Vault
// references in app settings) and a blob container for the reports (latest.html/latest.md and a
// per-run copy under runs/<run id>/, deleted after reportRetentionDays by a lifecycle rule).
// Management-group roles (Reader, Cost Management Reader) are granted by modules/mg-roles.bicep,
// deployed at the management group (azd runs it as a postprovision hook; see docs/deploy.md).
targetScope = 'resourceGroup'

@minLength(3)
@maxLength(12)
@description('Short name used to derive resource names (lower-case letters and digits).')
param name string

@description('Region of every resource.')
param location string = resourceGroup().location

@description('Audit schedule (NCRONTAB with seconds, UTC).')
param auditSchedule string = '0 0 * * * *'

@description('Digest schedule (NCRONTAB with seconds, UTC).')
param digestSchedule string = '0 0 7 * * 1'

@minValue(1)
@description('Scopes per shard (one queue message each).')
param shardSize int = 10

@minValue(1)
@maxValue(32)
@description('Shard messages one instance works on at once (queue batchSize).')
param shardParallelism int = 4

@minValue(1)
@maxValue(1000)
@description('Most instances Flex Consumption scales out to.')
param maximumInstanceCount int = 20

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('The airlock.yaml document (clouds, onPrem, notifications...). Secrets inside it are env: references to the Key Vault-backed settings below.')
param airlockConfigYaml string

@secure()
@description('Slack incoming webhook URL; stored in Key Vault, never in app settings.')
param slackWebhookUrl string = ''

@secure()
@description('Teams Workflows webhook URL; stored in Key Vault.')
param teamsWebhookUrl string = ''

@secure()
@description('Standard Webhooks signing secret (whsec_...); stored in Key Vault.')
param webhookSigningSecret string = ''

@minValue(1)
@description('Days a per-run report copy (reports/runs/<run id>/report.html, report.md) is kept before the lifecycle rule deletes it; latest.html/latest.md are kept.')
param reportRetentionDays int = 90

@description('Link to the latest report in every message. Empty: the report blob itself (readable with Entra ID sign-in only: the account allows no public access).')
param reportUrl string = ''

param tags object = {}

var suffix = uniqueString(resourceGroup().id, name)
var storageName = toLower(take('st${name}${suffix}', 24))
var deploymentContainer = 'app-package'
var reportContainer = 'reports'

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${name}-${suffix}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource reports 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: reportContainer
}

// The per-run report copies expire; the latest report stays.
resource reportLifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'airlock-run-reports'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['${reportContainer}/runs/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: reportRetentionDays } } }
          }
        }
      ]
    }
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${name}-${suffix}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${name}-${suffix}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('kv-${name}-${suffix}', 24)
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

var webhookSecrets = [
  { name: 'slack-webhook-url', setting: 'SLACK_WEBHOOK_URL', value: slackWebhookUrl }
  { name: 'teams-webhook-url', setting: 'TEAMS_WEBHOOK_URL', value: teamsWebhookUrl }
  { name: 'webhook-signing-secret', setting: 'WEBHOOK_SIGNING_SECRET', value: webhookSigningSecret }
]

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for s in webhookSecrets: if (!empty(s.value)) {
    parent: vault
    name: s.name
    properties: { value: s.value }
  }
]

// Key Vault references for the secrets given (the webhook URLs never appear in app settings).
var secretSettings = map(filter(webhookSecrets, s => !empty(s.value)), s => {
  name: s.setting
  value: '@Microsoft.KeyVault(SecretUri=https://${vault.name}${environment().suffixes.keyvaultDns}/secrets/${s.name})'
})

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}-${suffix}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

var tableEndpoint = storage.properties.primaryEndpoints.table

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${name}-${suffix}'
  location: location
  tags: union(tags, { 'azd-service-name': 'airlock' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: instanceMemoryMB }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat([
        // Identity-based connection of the host and of the fan-out queues and tables.
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        { name: 'AIRLOCK_SCHEDULE', value: auditSchedule }
        { name: 'AIRLOCK_DIGEST_SCHEDULE', value: digestSchedule }
        { name: 'AIRLOCK_SHARD_SIZE', value: string(shardSize) }
        { name: 'AzureFunctionsJobHost__extensions__queues__batchSize', value: string(shardParallelism) }
        { name: 'AIRLOCK_CONFIG_YAML', value: airlockConfigYaml }
        { name: 'AIRLOCK__store', value: string({ kind: 'table', endpoint: tableEndpoint }) }
        { name: 'AIRLOCK_REPORT_CONTAINER', value: reportContainer }
        { name: 'AIRLOCK__reportUrl', value: empty(reportUrl) ? '${storage.properties.primaryEndpoints.blob}${reportContainer}/latest.html' : reportUrl }
      ], secretSettings)
    }
  }
}

// Data-plane roles of the identity on the app's own storage account, vault and insights.
resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource insightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output AZURE_FUNCTION_APP_NAME string = app.name
output AIRLOCK_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output AIRLOCK_IDENTITY_CLIENT_ID string = identity.properties.clientId
output AIRLOCK_REPORT_CONTAINER_URL string = '${storage.properties.primaryEndpoints.blob}${reportContainer}'
