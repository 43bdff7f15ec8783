/* apis.c - lookups in the generated table of Kafka APIs (see apis.h). */
#include "apis.h"

/* The rows (sk_api_rows) are generated from common/schema/apis.schema into
 * proto_gen.c. */

/* Kafka's names for API keys 0..68, for log lines (NULL = unassigned). */
static const char *const names[] = {
    "Produce", "Fetch", "ListOffsets", "Metadata", "LeaderAndIsr", "StopReplica",
    "UpdateMetadata", "ControlledShutdown", "OffsetCommit", "OffsetFetch",
    "FindCoordinator", "JoinGroup", "Heartbeat", "LeaveGroup", "SyncGroup",
    "DescribeGroups", "ListGroups", "SaslHandshake", "ApiVersions", "CreateTopics",
    "DeleteTopics", "DeleteRecords", "InitProducerId", "OffsetForLeaderEpoch",
    "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "WriteTxnMarkers",
    "TxnOffsetCommit", "DescribeAcls", "CreateAcls", "DeleteAcls", "DescribeConfigs",
    "AlterConfigs", "AlterReplicaLogDirs", "DescribeLogDirs", "SaslAuthenticate",
    "CreatePartitions", "CreateDelegationToken", "RenewDelegationToken",
    "ExpireDelegationToken", "DescribeDelegationToken", "DeleteGroups",
    "ElectLeaders", "IncrementalAlterConfigs", "AlterPartitionReassignments",
    "ListPartitionReassignments", "OffsetDelete", "DescribeClientQuotas",
    "AlterClientQuotas", "DescribeUserScramCredentials", "AlterUserScramCredentials",
    "Vote", "BeginQuorumEpoch", "EndQuorumEpoch", "DescribeQuorum", "AlterPartition",
    "UpdateFeatures", "Envelope", "FetchSnapshot", "DescribeCluster",
    "DescribeProducers", "BrokerRegistration", "BrokerHeartbeat",
    "UnregisterBroker", "DescribeTransactions", "ListTransactions",
    "AllocateProducerIds", "ConsumerGroupHeartbeat",
};

const sk_api_t *sk_api_find(int16_t key)
{
    for (size_t i = 0; i < sk_api_nrows; i++)
        if (sk_api_rows[i].key == key)
            return &sk_api_rows[i];
    return NULL;
}

int sk_api_supported(int16_t key, int16_t version)
{
    const sk_api_t *api = sk_api_find(key);
    return api && version >= api->min_ver && version <= api->max_ver;
}

int sk_api_flexible(int16_t key, int16_t version)
{
    const sk_api_t *api = sk_api_find(key);
    return api && api->flex_ver >= 0 && version >= api->flex_ver;
}

const char *sk_api_name(int16_t key)
{
    if (key >= 0 && (size_t)key < sizeof(names) / sizeof(names[0]) && names[key])
        return names[key];
    return "Unknown";
}

size_t sk_api_count(void)
{
    return sk_api_nrows;
}

const sk_api_t *sk_api_at(size_t i)
{
    return i < sk_api_nrows ? &sk_api_rows[i] : NULL;
}
