/* proto_findcoordinator.h - FindCoordinator (key 10), versions 0-4 (flexible
 * 3+).
 *
 * Client -> any broker: "which broker coordinates this group (KeyType 0) or
 * transactional id (KeyType 1)?". Request: Key (v0-3), KeyType (v1+;
 * decoded as 0 = group at v0), CoordinatorKeys[] (v4+: several keys at
 * once). Response: ThrottleTimeMs (v1+); v0-3 one answer: ErrorCode,
 * ErrorMessage (v1+, nullable), NodeId, Host, Port; v4+ Coordinators[{Key,
 * NodeId, Host, Port, ErrorCode, ErrorMessage}]. On an error Kafka answers
 * NodeId -1, Host "" and Port -1.
 *
 * The codec is generated from common/schema/apis.schema: sk_findcoordinator_
 * {req,resp}_t, sk_findcoordinator_{req,resp}_{decode,encode,size,free,init}
 * and SK_FINDCOORDINATOR_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_FINDCOORDINATOR_H
#define SK_PROTO_FINDCOORDINATOR_H

#include "proto_gen.h"

/* KeyType values. */
#define SK_FINDCOORDINATOR_KEY_GROUP 0
#define SK_FINDCOORDINATOR_KEY_TRANSACTION 1

/* The first version that batches keys (CoordinatorKeys / Coordinators). */
#define SK_FINDCOORDINATOR_BATCH_VER 4

#endif
