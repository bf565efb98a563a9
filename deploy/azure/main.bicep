// fleetsync on Azure: IoT Hub for the gateways, storage for Event Hubs checkpoints, the spool and the Parquet export,
// and (optionally) the cloud service in Azure mode as two Container Apps: ingest (several replicas that read the
// hub's partitions into the spool) and pipeline (one replica that imports the spool into DuckDB and serves the API).
// docs/azure.md walks through a deployment:
//
//   az deployment group create -g fleetsync-rg -f deploy/azure/main.bicep -p deploy/azure/main.parameters.json
//
// Role assignments give the app's managed identity the data-plane roles it will use once fleetsync authenticates
// with Microsoft Entra ID. This version of fleetsync still reads connection strings, so the settings file handed to
// the app (a Container App secret) is built from keys here; it is never an output.

targetScope = 'resourceGroup'

@description('Region of every resource.')
param location string = resourceGroup().location

@description('Short name prefix; lower-case letters and digits. Storage account names add a unique suffix.')
@minLength(3)
@maxLength(11)
param prefix string = 'fleetsync'

@description('IoT Hub tier. Basic tiers lack twins, direct methods and cloud-to-device messages, which fleetsync uses.')
@allowed(['S1', 'S2', 'S3'])
param iotHubSku string = 'S1'

@description('IoT Hub units (S1: 400,000 4-KB messages a day each).')
@minValue(1)
@maxValue(200)
param iotHubUnits int = 1

@description('Partitions of the built-in endpoint. Fixed at creation. At most this many ingest replicas do useful work.')
@minValue(2)
@maxValue(32)
param partitionCount int = 4

@description('Days the built-in endpoint keeps events: how long the cloud service may be down without losing any.')
@minValue(1)
@maxValue(7)
param retentionDays int = 7

@description('Consumer group every ingest replica reads through.')
param consumerGroupName string = 'fleetsync'

param checkpointContainerName string = 'fleetsync-checkpoints'
param exportContainerName string = 'fleetsync-export'

@description('Container of the spool between the ingest and pipeline roles, in the checkpoint account.')
param spoolContainerName string = 'fleetsync-spool'

@description('Deploy the cloud service as a Container App (Azure mode). False: only the hub and storage.')
param deployApp bool = true

@description('Cloud service image, e.g. myregistry.azurecr.io/fleetsync-cloud:0.1.0 (built from deploy/cloud/Dockerfile).')
param containerImage string = 'ghcr.io/example/fleetsync-cloud:0.1.0'

@description('Login server of an Azure Container Registry to pull from with the app identity (AcrPull); empty for a public image.')
param registryServer string = ''

@description('Ingest replicas (fixed count). They split the partitions: more than partitionCount only stand by.')
@minValue(1)
@maxValue(32)
param ingestReplicas int = 2

@description('Size of the Azure Files share that holds the pipeline database (GiB).')
@minValue(100)
param dataShareGiB int = 100

var suffix = uniqueString(resourceGroup().id)
var hubName = '${prefix}-hub-${suffix}'
var checkpointAccountName = take('${prefix}cp${suffix}', 24)
var lakeAccountName = take('${prefix}lake${suffix}', 24)
var dataAccountName = take('${prefix}data${suffix}', 24)
var policyName = 'fleetsync-cloud'

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  iotHubDataContributor: '4fc6c259-987e-4a07-842e-c321cc9d413f'
  acrPull: '7f951dca-d7b6-4d8a-93ef-2f5e2cd8c1ec'
}

// ---------------------------------------------------------------------------------------------------------------
// IoT Hub

resource iotHub 'Microsoft.Devices/IotHubs@2023-06-30' = {
  name: hubName
  location: location
  sku: {
    name: iotHubSku
    capacity: iotHubUnits
  }
  properties: {
    minTlsVersion: '1.2'
    eventHubEndpoints: {
      events: {
        partitionCount: partitionCount
        retentionTimeInDays: retentionDays
      }
    }
    // ServiceConnect: twins, direct methods, C2D and the built-in endpoint; RegistryRead: connection polling.
    authorizationPolicies: [
      {
        keyName: 'iothubowner'
        rights: 'RegistryWrite, ServiceConnect, DeviceConnect'
      }
      {
        keyName: policyName
        rights: 'RegistryRead, ServiceConnect'
      }
    ]
    routing: {
      routes: [
        {
          // Explicit, so that turning the fallback route off can never cut telemetry off.
          name: 'telemetry'
          source: 'DeviceMessages'
          condition: 'true'
          endpointNames: ['events']
          isEnabled: true
        }
        {
          // Connect/disconnect notices for the cloud's connection tracking (connection.mode "events").
          name: 'connection-state'
          source: 'DeviceConnectionStateEvents'
          condition: 'true'
          endpointNames: ['events']
          isEnabled: true
        }
      ]
      fallbackRoute: {
        name: '$fallback'
        source: 'DeviceMessages'
        condition: 'true'
        endpointNames: ['events']
        isEnabled: true
      }
    }
    cloudToDevice: {
      maxDeliveryCount: 10
      defaultTtlAsIso8601: 'PT1H'
      feedback: {
        lockDurationAsIso8601: 'PT1M'
        ttlAsIso8601: 'PT1H'
        maxDeliveryCount: 10
      }
    }
  }
}

resource consumerGroup 'Microsoft.Devices/IotHubs/eventHubEndpoints/ConsumerGroups@2023-06-30' = {
  name: '${iotHub.name}/events/${consumerGroupName}'
  properties: {
    name: consumerGroupName
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Storage. Two accounts, as the Event Hubs checkpoint store asks for an account with hierarchical namespace, soft
// delete and versioning off, while the export wants Data Lake Gen2 (hierarchical namespace on). The spool shares the
// checkpoint account: it wants the same (flat namespace for many small creates and deletes, no soft delete to keep
// deleted segments around).

resource checkpointAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: checkpointAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    isHnsEnabled: false
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource checkpointBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: checkpointAccount
  name: 'default'
  properties: {
    isVersioningEnabled: false
    deleteRetentionPolicy: {
      enabled: false
    }
    containerDeleteRetentionPolicy: {
      enabled: false
    }
  }
}

resource checkpointContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: checkpointBlobs
  name: checkpointContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Segments written by the ingest replicas, deleted by the pipeline once Bronze holds them; quarantined ones under
// spool-quarantine/.
resource spoolContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: checkpointBlobs
  name: spoolContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource lakeAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: lakeAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    isHnsEnabled: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource lakeBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: lakeAccount
  name: 'default'
}

resource exportContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: lakeBlobs
  name: exportContainerName
  properties: {
    publicAccess: 'None'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Identity and roles

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-cloud'
  location: location
}

resource checkpointRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: checkpointContainer
  name: guid(checkpointContainer.id, appIdentity.id, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource spoolRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: spoolContainer
  name: guid(spoolContainer.id, appIdentity.id, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource exportRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: exportContainer
  name: guid(exportContainer.id, appIdentity.id, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Twins, direct methods, C2D and registry queries. The built-in Event Hub-compatible endpoint has no Entra ID role
// of its own (Azure Event Hubs Data Receiver applies to a namespace you own, i.e. a custom routing endpoint).
resource hubRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: iotHub
  name: guid(iotHub.id, appIdentity.id, roles.iotHubDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.iotHubDataContributor)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The registry is looked up in this resource group.
resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: empty(registryServer) ? 'none' : split(registryServer, '.')[0]
}

resource pullRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployApp && !empty(registryServer)) {
  scope: registry
  name: guid(resourceGroup().id, registryServer, appIdentity.id, roles.acrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The cloud service (Azure mode) as two Container Apps of the same image (docs/operations.md, "Scaling the cloud
// service"):
// - ingest, `ingestReplicas` replicas: they share the consumer group and checkpoint container, so they split the
//   partitions and take over a stopped replica's; each writes what it reads to the spool before it checkpoints.
//   Stateless: nothing on disk outlives a replica.
// - pipeline, one replica: DuckDB is single-writer, and its database (Bronze, Silver, Gold) is one file owned by one
//   process, kept on an Azure Files share so that it outlives the replica. It imports the spool, serves the API and
//   reads no partitions. While it is down the spool and the hub's retention hold the data: latency, not loss.
// DuckDB on an SMB share is slower than on a managed disk: for large fleets prefer AKS with deploy/cloud/k8s.

resource dataAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = if (deployApp) {
  name: dataAccountName
  location: location
  kind: 'FileStorage'
  sku: {
    name: 'Premium_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource dataFiles 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = if (deployApp) {
  parent: dataAccount
  name: 'default'
}

resource dataShare 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = if (deployApp) {
  parent: dataFiles
  name: 'fleetsync-data'
  properties: {
    shareQuota: dataShareGiB
    enabledProtocols: 'SMB'
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = if (deployApp) {
  name: '${prefix}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appEnv 'Microsoft.App/managedEnvironments@2024-03-01' = if (deployApp) {
  name: '${prefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

resource appEnvStorage 'Microsoft.App/managedEnvironments/storages@2024-03-01' = if (deployApp) {
  parent: appEnv
  name: 'fleetsync-data'
  properties: {
    azureFile: {
      accountName: dataAccount.name
      accountKey: dataAccount.listKeys().keys[0].value
      shareName: dataShare.name
      accessMode: 'ReadWrite'
    }
  }
}

var hubKey = listKeys(resourceId('Microsoft.Devices/IotHubs/IotHubKeys', iotHub.name, policyName), '2023-06-30').primaryKey
var storageSuffix = environment().suffixes.storage
var checkpointConnectionString = 'DefaultEndpointsProtocol=https;AccountName=${checkpointAccount.name};AccountKey=${checkpointAccount.listKeys().keys[0].value};EndpointSuffix=${storageSuffix}'
// What both roles use: the IoT Hub service API (twins, methods, C2D) and connection notices.
var serviceAzureSettings = {
  iotHub: {
    connectionString: 'HostName=${iotHub.properties.hostName};SharedAccessKeyName=${policyName};SharedAccessKey=${hubKey}'
  }
  connection: {
    mode: 'events'
  }
}
// Only the ingest replicas read partitions: the Event Hubs endpoint and the checkpoints are theirs alone.
var ingestAzureSettings = union(serviceAzureSettings, {
  eventHub: {
    connectionString: 'Endpoint=${iotHub.properties.eventHubEndpoints.events.endpoint};SharedAccessKeyName=${policyName};SharedAccessKey=${hubKey};EntityPath=${iotHub.properties.eventHubEndpoints.events.path}'
    consumerGroup: consumerGroupName
  }
  checkpoint: {
    connectionString: checkpointConnectionString
    container: checkpointContainerName
  }
})
// Both roles must name the same spool. Flush and poll tuning keep their defaults.
var spoolSettings = {
  target: {
    kind: 'azure-blob'
    connectionString: checkpointConnectionString
    container: spoolContainerName
    prefix: ''
    createIfMissing: false
  }
}
var apiSettings = {
  host: '0.0.0.0'
  port: 8080
}
var logSettings = {
  level: 'info'
}
// No pipeline block: the ingest replicas never see the export's key.
var ingestSettings = {
  dataDir: '/var/lib/fleetsync'
  mode: 'azure'
  role: 'ingest'
  azure: ingestAzureSettings
  spool: spoolSettings
  api: apiSettings
  log: logSettings
}
var pipelineSettings = {
  dataDir: '/var/lib/fleetsync'
  mode: 'azure'
  role: 'pipeline'
  azure: serviceAzureSettings
  spool: spoolSettings
  pipeline: {
    export: {
      enabled: true
      everyS: 60
      target: {
        kind: 'azure-blob'
        connectionString: 'DefaultEndpointsProtocol=https;AccountName=${lakeAccount.name};AccountKey=${lakeAccount.listKeys().keys[0].value};EndpointSuffix=${storageSuffix}'
        container: exportContainerName
        prefix: 'fleetsync'
      }
    }
    duckdb: {
      memoryLimit: '2GB'
    }
  }
  api: apiSettings
  log: logSettings
}

// Both roles answer /healthz on 8080 (the ingest role: 503 once spool writes have failed for 60 s).
var healthProbes = [
  {
    type: 'Startup'
    httpGet: {
      path: '/healthz'
      port: 8080
    }
    periodSeconds: 10
    failureThreshold: 30
  }
  {
    type: 'Readiness'
    httpGet: {
      path: '/healthz'
      port: 8080
    }
    periodSeconds: 10
    failureThreshold: 3
  }
  {
    type: 'Liveness'
    httpGet: {
      path: '/healthz'
      port: 8080
    }
    periodSeconds: 20
    failureThreshold: 6
  }
]

var registries = empty(registryServer) ? [] : [
  {
    server: registryServer
    identity: appIdentity.id
  }
]

// No ingress: the ingest role serves only /healthz and /metrics, and reaches out to Event Hubs and storage itself.
resource ingestApp 'Microsoft.App/containerApps@2024-03-01' = if (deployApp) {
  name: '${prefix}-cloud-ingest'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${appIdentity.id}': {}
    }
  }
  dependsOn: [
    consumerGroup
    checkpointContainer
    spoolContainer
  ]
  properties: {
    managedEnvironmentId: appEnv.id
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: [
        {
          name: 'cloud-json'
          value: string(ingestSettings)
        }
      ]
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'cloud'
          image: containerImage
          args: ['cloud', '--role', 'ingest', '--config', '/etc/fleetsync/cloud.json', '--data', '/var/lib/fleetsync']
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: [
            {
              name: 'NODE_OPTIONS'
              value: '--max-old-space-size=512'
            }
          ]
          probes: healthProbes
          volumeMounts: [
            {
              volumeName: 'data'
              mountPath: '/var/lib/fleetsync'
            }
            {
              volumeName: 'config'
              mountPath: '/etc/fleetsync'
            }
            {
              volumeName: 'tmp'
              mountPath: '/tmp'
            }
          ]
        }
      ]
      // A fixed count: the replicas split the partitions among themselves; scaling on load would only move them.
      scale: {
        minReplicas: ingestReplicas
        maxReplicas: ingestReplicas
      }
      volumes: [
        {
          // Stateless: scratch only.
          name: 'data'
          storageType: 'EmptyDir'
        }
        {
          name: 'config'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'cloud-json'
              path: 'cloud.json'
            }
          ]
        }
        {
          name: 'tmp'
          storageType: 'EmptyDir'
        }
      ]
    }
  }
}

// The name of the single-process app this replaces: a redeployment updates it in place, on the same share.
resource app 'Microsoft.App/containerApps@2024-03-01' = if (deployApp) {
  name: '${prefix}-cloud'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${appIdentity.id}': {}
    }
  }
  dependsOn: [
    consumerGroup
    checkpointContainer
    spoolContainer
    exportContainer
    appEnvStorage
  ]
  properties: {
    managedEnvironmentId: appEnv.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8080
        transport: 'http'
        allowInsecure: false
      }
      secrets: [
        {
          name: 'cloud-json'
          value: string(pipelineSettings)
        }
      ]
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'cloud'
          image: containerImage
          args: ['cloud', '--role', 'pipeline', '--config', '/etc/fleetsync/cloud.json', '--data', '/var/lib/fleetsync']
          resources: {
            cpu: json('2.0')
            memory: '4Gi'
          }
          env: [
            {
              name: 'NODE_OPTIONS'
              value: '--max-old-space-size=1024'
            }
          ]
          probes: healthProbes
          volumeMounts: [
            {
              volumeName: 'data'
              mountPath: '/var/lib/fleetsync'
            }
            {
              volumeName: 'config'
              mountPath: '/etc/fleetsync'
            }
            {
              volumeName: 'tmp'
              mountPath: '/tmp'
            }
          ]
        }
      ]
      // One replica, always: DuckDB is single-writer (see the note above this section).
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
      volumes: [
        {
          name: 'data'
          storageType: 'AzureFile'
          storageName: appEnvStorage.name
        }
        {
          name: 'config'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'cloud-json'
              path: 'cloud.json'
            }
          ]
        }
        {
          name: 'tmp'
          storageType: 'EmptyDir'
        }
      ]
    }
  }
}

// No keys or connection strings here: outputs are stored in the deployment history.
output iotHubName string = iotHub.name
output iotHubHostName string = iotHub.properties.hostName
output eventHubCompatibleName string = iotHub.properties.eventHubEndpoints.events.path
output eventHubConsumerGroup string = consumerGroupName
output checkpointStorageAccount string = checkpointAccount.name
output lakeStorageAccount string = lakeAccount.name
output appIdentityPrincipalId string = appIdentity.properties.principalId
output ingestAppName string = deployApp ? ingestApp.name : ''
output apiUrl string = deployApp ? 'https://${app.properties.configuration.ingress.fqdn}' : ''
