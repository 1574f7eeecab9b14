// Read-only access for Airlock's managed identity over a management group: Reader (inventory,
// Resource Graph) and Cost Management Reader (peering and egress costs). Deployed on its own at
// the management group: az deployment mg create --management-group-id <mg> -f infra/modules/mg-roles.bicep -p principalId=<id>
targetScope = 'managementGroup'

@description('Object (principal) id of the Function App\'s user-assigned identity.')
param principalId string

var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
var costManagementReader = '72fafb9e-0641-4937-9268-a91bfd8191a3'

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [reader, costManagementReader]: {
    name: guid(managementGroup().id, principalId, role)
    properties: {
      roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]
