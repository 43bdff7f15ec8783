/* kerr.c - names for error codes (see kerr.h). */
#include "kerr.h"

#include <stddef.h>

struct kerr_name {
    int code;
    const char *name;
};

static const struct kerr_name kerr_names[] = {
    {-1, "UNKNOWN_SERVER_ERROR"}, {0, "NONE"}, {1, "OFFSET_OUT_OF_RANGE"},
    {2, "CORRUPT_MESSAGE"}, {3, "UNKNOWN_TOPIC_OR_PARTITION"}, {4, "INVALID_FETCH_SIZE"},
    {5, "LEADER_NOT_AVAILABLE"}, {6, "NOT_LEADER_OR_FOLLOWER"}, {7, "REQUEST_TIMED_OUT"},
    {8, "BROKER_NOT_AVAILABLE"}, {9, "REPLICA_NOT_AVAILABLE"}, {10, "MESSAGE_TOO_LARGE"},
    {11, "STALE_CONTROLLER_EPOCH"}, {12, "OFFSET_METADATA_TOO_LARGE"},
    {13, "NETWORK_EXCEPTION"}, {14, "COORDINATOR_LOAD_IN_PROGRESS"},
    {15, "COORDINATOR_NOT_AVAILABLE"}, {16, "NOT_COORDINATOR"},
    {17, "INVALID_TOPIC_EXCEPTION"}, {18, "RECORD_LIST_TOO_LARGE"},
    {19, "NOT_ENOUGH_REPLICAS"}, {20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND"},
    {21, "INVALID_REQUIRED_ACKS"}, {22, "ILLEGAL_GENERATION"},
    {23, "INCONSISTENT_GROUP_PROTOCOL"}, {24, "INVALID_GROUP_ID"}, {25, "UNKNOWN_MEMBER_ID"},
    {26, "INVALID_SESSION_TIMEOUT"}, {27, "REBALANCE_IN_PROGRESS"},
    {28, "INVALID_COMMIT_OFFSET_SIZE"}, {29, "TOPIC_AUTHORIZATION_FAILED"},
    {30, "GROUP_AUTHORIZATION_FAILED"}, {31, "CLUSTER_AUTHORIZATION_FAILED"},
    {32, "INVALID_TIMESTAMP"}, {33, "UNSUPPORTED_SASL_MECHANISM"}, {34, "ILLEGAL_SASL_STATE"},
    {35, "UNSUPPORTED_VERSION"}, {36, "TOPIC_ALREADY_EXISTS"}, {37, "INVALID_PARTITIONS"},
    {38, "INVALID_REPLICATION_FACTOR"}, {39, "INVALID_REPLICA_ASSIGNMENT"},
    {40, "INVALID_CONFIG"}, {41, "NOT_CONTROLLER"}, {42, "INVALID_REQUEST"},
    {43, "UNSUPPORTED_FOR_MESSAGE_FORMAT"}, {44, "POLICY_VIOLATION"},
    {45, "OUT_OF_ORDER_SEQUENCE_NUMBER"}, {46, "DUPLICATE_SEQUENCE_NUMBER"},
    {47, "INVALID_PRODUCER_EPOCH"}, {48, "INVALID_TXN_STATE"},
    {49, "INVALID_PRODUCER_ID_MAPPING"}, {50, "INVALID_TRANSACTION_TIMEOUT"},
    {51, "CONCURRENT_TRANSACTIONS"}, {53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"},
    {54, "SECURITY_DISABLED"}, {55, "OPERATION_NOT_ATTEMPTED"}, {56, "KAFKA_STORAGE_ERROR"},
    {57, "LOG_DIR_NOT_FOUND"},
    {58, "SASL_AUTHENTICATION_FAILED"}, {59, "UNKNOWN_PRODUCER_ID"},
    {60, "REASSIGNMENT_IN_PROGRESS"}, {68, "NON_EMPTY_GROUP"},
    {69, "GROUP_ID_NOT_FOUND"}, {73, "TOPIC_DELETION_DISABLED"}, {74, "FENCED_LEADER_EPOCH"},
    {75, "UNKNOWN_LEADER_EPOCH"}, {76, "UNSUPPORTED_COMPRESSION_TYPE"},
    {77, "STALE_BROKER_EPOCH"}, {78, "OFFSET_NOT_AVAILABLE"}, {79, "MEMBER_ID_REQUIRED"},
    {80, "PREFERRED_LEADER_NOT_AVAILABLE"}, {81, "GROUP_MAX_SIZE_REACHED"},
    {82, "FENCED_INSTANCE_ID"}, {83, "ELIGIBLE_LEADERS_NOT_AVAILABLE"}, {84, "ELECTION_NOT_NEEDED"},
    {85, "NO_REASSIGNMENT_IN_PROGRESS"},
    {86, "GROUP_SUBSCRIBED_TO_TOPIC"}, {87, "INVALID_RECORD"}, {88, "UNSTABLE_OFFSET_COMMIT"},
    {90, "PRODUCER_FENCED"}, {91, "RESOURCE_NOT_FOUND"}, {92, "DUPLICATE_RESOURCE"},
    {93, "UNACCEPTABLE_CREDENTIAL"}, {95, "INVALID_UPDATE_VERSION"},
    {100, "UNKNOWN_TOPIC_ID"}, {107, "INELIGIBLE_REPLICA"},
    {114, "MISMATCHED_ENDPOINT_TYPE"},
};

const char *sk_kerr_name(int code)
{
    for (size_t i = 0; i < sizeof(kerr_names) / sizeof(kerr_names[0]); i++)
        if (kerr_names[i].code == code)
            return kerr_names[i].name;
    return "UNKNOWN";
}

const char *sk_strerror(int rc)
{
    switch (rc) {
    case SK_OK: return "success";
    case SK_EINVAL: return "invalid argument";
    case SK_EPARSE: return "malformed input";
    case SK_EIO: return "I/O error";
    case SK_ENOENT: return "not found";
    case SK_EEXIST: return "already exists";
    case SK_ETOOBIG: return "too large";
    case SK_ENOSPC: return "no space left on device";
    case SK_ECORRUPT: return "corrupt data";
    case SK_ESTATE: return "wrong state";
    case SK_EZK: return "ZooKeeper error";
    case SK_EAGAIN: return "try again";
    default: return "unknown error";
    }
}
