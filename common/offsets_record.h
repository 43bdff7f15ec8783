/* offsets_record.h - record keys and values of the internal topic
 * __consumer_offsets (Kafka's group-coordinator storage format), and the
 * group -> partition mapping.
 *
 * Every key is int16 key version + fields, every value int16 value version
 * + fields, all in the classic encodings (int16-length strings, int32-length
 * bytes and arrays, big-endian integers):
 *
 *   key 0 or 1 (offset commit):  Group, Topic, Partition
 *   key 2 (group metadata):      Group
 *   offset value 0: Offset, Metadata, CommitTimestamp
 *                1: Offset, Metadata, CommitTimestamp, ExpireTimestamp
 *                2: Offset, Metadata, CommitTimestamp
 *                3: Offset, LeaderEpoch, Metadata, CommitTimestamp
 *   group value  0: ProtocolType, Generation, Protocol (nullable),
 *                   Leader (nullable), Members[{MemberId, ClientId,
 *                   ClientHost, SessionTimeout, Subscription, Assignment}]
 *                1: members gain RebalanceTimeout (before SessionTimeout)
 *                2: CurrentStateTimestamp (before Members)
 *                3: members gain GroupInstanceId (nullable, after MemberId)
 *
 * Kafka 3.x writes key 1, offset value 3 (1 only for an explicit expiry)
 * and group value 3; so does Skein. A null value (tombstone) deletes the
 * offset or group; that is the caller's business (there are no bytes to
 * decode). The flexible value version 4 and the newer key versions (3+,
 * KIP-848 records) are not decoded: the decoders answer SK_ENOENT so a
 * loader can skip them.
 *
 * Decoders read the whole buffer (trailing bytes are SK_EPARSE) and return
 * views into it; the group value's member array comes from the arena.
 * Encoders append to w and leave it as it was on failure.
 * @locality any
 */
#ifndef SK_OFFSETS_RECORD_H
#define SK_OFFSETS_RECORD_H
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

/* Key versions. */
#define SK_OFFREC_KEY_OFFSET_V0 0
#define SK_OFFREC_KEY_OFFSET 1       /* what Kafka and Skein write */
#define SK_OFFREC_KEY_GROUP 2

/* Highest value versions decoded / written by default. */
#define SK_OFFREC_OFFSET_VALUE_VER 3
#define SK_OFFREC_GROUP_VALUE_VER 3

typedef struct sk_offrec_key {
    int16_t Version;                 /* 0/1 offset commit, 2 group metadata */
    sk_str_t Group;
    sk_str_t Topic;                  /* offset keys only */
    int32_t Partition;               /* offset keys only */
} sk_offrec_key_t;

typedef struct sk_offrec_offset_value {
    int64_t Offset;
    int32_t LeaderEpoch;             /* v3; -1 = unknown (and below v3) */
    sk_str_t Metadata;               /* not nullable */
    int64_t CommitTimestamp;         /* ms */
    int64_t ExpireTimestamp;         /* v1 only; -1 otherwise */
} sk_offrec_offset_value_t;

typedef struct sk_offrec_member {
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* v3+, nullable */
    sk_str_t ClientId;
    sk_str_t ClientHost;
    int32_t RebalanceTimeout;        /* v1+; decoded as SessionTimeout at v0 */
    int32_t SessionTimeout;
    sk_str_t Subscription;           /* bytes (JoinGroup protocol metadata) */
    sk_str_t Assignment;             /* bytes (SyncGroup assignment) */
} sk_offrec_member_t;

typedef struct sk_offrec_group_value {
    sk_str_t ProtocolType;
    int32_t Generation;
    sk_str_t Protocol;               /* nullable (null when empty) */
    sk_str_t Leader;                 /* nullable */
    int64_t CurrentStateTimestamp;   /* v2+; -1 = unknown (and below v2) */
    sk_offrec_member_t *Members;
    int32_t MembersCnt;
} sk_offrec_group_value_t;

/* Key: SK_OK; SK_ENOENT for a key version other than 0-2 (out->Version is
 * set, nothing else); SK_EPARSE if malformed, truncated or followed by
 * extra bytes. */
int sk_offrec_key_decode(const void *buf, size_t len, sk_offrec_key_t *out);
/* Writes key->Version (0 or 1: Group, Topic, Partition; 2: Group).
 * SK_EINVAL for another version or a null string. */
int sk_offrec_key_encode(sk_wr_t *w, const sk_offrec_key_t *key);

/* Offset value v0-3: SK_OK, SK_ENOENT (other version; *version set),
 * SK_EPARSE. version may be NULL. */
int sk_offrec_offset_value_decode(const void *buf, size_t len, int16_t *version,
                                  sk_offrec_offset_value_t *out);
/* Writes value version 0-3 (normally SK_OFFREC_OFFSET_VALUE_VER); fields
 * the version lacks are left out. SK_EINVAL for another version or a null
 * Metadata. */
int sk_offrec_offset_value_encode(sk_wr_t *w, int16_t version,
                                  const sk_offrec_offset_value_t *v);

/* Group value v0-3: SK_OK, SK_ENOENT (other version; *version set),
 * SK_EPARSE. version may be NULL. Members come from a. */
int sk_offrec_group_value_decode(const void *buf, size_t len, sk_arena_t *a, int16_t *version,
                                 sk_offrec_group_value_t *out);
/* Writes value version 0-3 (normally SK_OFFREC_GROUP_VALUE_VER); fields
 * the version lacks are left out. SK_EINVAL for another version, a
 * negative MembersCnt, or null where not nullable (ProtocolType, member
 * ids, client id/host, subscription, assignment). */
int sk_offrec_group_value_encode(sk_wr_t *w, int16_t version, const sk_offrec_group_value_t *v);

/* The __consumer_offsets partition of a group: abs(h) % partitions with h
 * Java's String.hashCode of the group id (h = 31*h + c over its UTF-16 code
 * units, 32-bit wrap-around) and abs(INT_MIN) = 0. The hash is
 * sk_java_hash() (javahash.h). Returns -1 if partitions <= 0. */
int32_t sk_offrec_partition_for(const char *group, size_t len, int32_t partitions);

#endif
