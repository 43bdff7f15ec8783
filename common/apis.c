/* apis.c - the table of Kafka APIs Skein implements (see apis.h). */
#include "apis.h"

/* Rows in ascending key order. To add an API: one row here (versions you
 * implement; flex_ver from the schema's "flexibleVersions") plus its codec.
 * check_apis verifies every row against the reference schemas. */
static const sk_api_t apis[] = {
    /* key                  name           min max flex */
    {SK_API_PRODUCE,        "Produce",      0,  7,  9},
    {SK_API_FETCH,          "Fetch",        4, 11, 12},
    {SK_API_LIST_OFFSETS,   "ListOffsets",  1,  2,  6},
    {SK_API_METADATA,       "Metadata",     0,  5,  9},
    {SK_API_LEADER_AND_ISR, "LeaderAndIsr", 2,  5,  4},
    {SK_API_STOP_REPLICA,   "StopReplica",  1,  3,  2},
    {SK_API_UPDATE_METADATA, "UpdateMetadata", 5, 7, 6},
    {SK_API_CONTROLLED_SHUTDOWN, "ControlledShutdown", 1, 3, 3},
    {SK_API_OFFSET_COMMIT,  "OffsetCommit", 2,  7,  8},
    {SK_API_OFFSET_FETCH,   "OffsetFetch",  1,  7,  6},
    {SK_API_FIND_COORDINATOR, "FindCoordinator", 0, 2, 3},
    {SK_API_JOIN_GROUP,     "JoinGroup",    0,  5,  6},
    {SK_API_HEARTBEAT,      "Heartbeat",    0,  3,  4},
    {SK_API_LEAVE_GROUP,    "LeaveGroup",   0,  3,  4},
    {SK_API_SYNC_GROUP,     "SyncGroup",    0,  3,  4},
    {SK_API_DESCRIBE_GROUPS, "DescribeGroups", 0, 4, 5},
    {SK_API_LIST_GROUPS,    "ListGroups",   0,  4,  3},
    {SK_API_API_VERSIONS,   "ApiVersions",  0,  3,  3},
    {SK_API_CREATE_TOPICS,  "CreateTopics", 0,  4,  5},
    {SK_API_DELETE_TOPICS,  "DeleteTopics", 0,  4,  4},
    {SK_API_INIT_PRODUCER_ID, "InitProducerId", 0, 4, 2},
    {SK_API_OFFSET_FOR_LEADER_EPOCH, "OffsetForLeaderEpoch", 2, 4, 4},
    {SK_API_DESCRIBE_CONFIGS, "DescribeConfigs", 0, 2, 4},
    {SK_API_CREATE_PARTITIONS, "CreatePartitions", 0, 1, 2},
    {SK_API_DELETE_GROUPS,  "DeleteGroups", 0,  1,  2},
    {SK_API_ELECT_LEADERS, "ElectLeaders", 0, 2, 2},
    {SK_API_OFFSET_DELETE,  "OffsetDelete", 0,  0, -1},
    {SK_API_ALTER_PARTITION, "AlterPartition", 0, 1, 0},
    {SK_API_DESCRIBE_CLUSTER, "DescribeCluster", 0, 0, 0},
};

#define NAPIS (sizeof(apis) / sizeof(apis[0]))

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
    for (size_t i = 0; i < NAPIS; i++)
        if (apis[i].key == key)
            return &apis[i];
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
    return NAPIS;
}

const sk_api_t *sk_api_at(size_t i)
{
    return i < NAPIS ? &apis[i] : NULL;
}
