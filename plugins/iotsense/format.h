/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iot_device events on the control thread: the EVE sub-object, the
 * subscriber it belongs to, and the registry that keeps what was found.
 */
#ifndef IOTSENSE_FORMAT_H
#define IOTSENSE_FORMAT_H

#include <mamori/event.h>

/* pd_format: renders ev's "iot_device" object into obj and records the device. */
int iot_format(void *global, const struct mm_event *ev, void *obj);

#endif /* IOTSENSE_FORMAT_H */
