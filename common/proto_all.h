/* proto_all.h - every Kafka API codec Skein has, for the dispatcher. */
#ifndef SK_PROTO_ALL_H
#define SK_PROTO_ALL_H
#include "apis.h"
#include "arena.h"
#include "proto_hdr.h"
#include "proto_apiversions.h"
#include "proto_createtopics.h"
#include "proto_fetch.h"
#include "proto_listoffsets.h"
#include "proto_metadata.h"
#include "proto_gen.h"
#endif
