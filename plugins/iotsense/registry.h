/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device registry, on the control thread: every device found, by address
 * and category, with its subscriber, first and last seen and latest evidence;
 * unique devices a day and a month per category, in the programme's style.
 * It is written to the plugin's state directory:
 *
 *	devices.json	the devices, one JSON object each in an array
 *	counts.json	{"daily": [{"date", "infected", "weak_credentials",
 *			 "vulnerable_firmware"}], "monthly": [...]}
 *	quarantine.txt	addresses of infected devices seen within the quarantine
 *			time, one a line, for a walled garden
 *
 * Each file is written to a temporary name and renamed.  Only confirmed
 * findings count; an attempt (a brute-force storm against a device) is kept
 * with "confirmed": false.
 */
#ifndef IOTSENSE_REGISTRY_H
#define IOTSENSE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <mamori/netaddr.h>

struct iot_dev {
	struct mm_addr d_addr;
	uint8_t d_cat;
	bool d_confirmed;
	uint64_t d_first_ns;
	uint64_t d_last_ns;
	int64_t d_day;   /* last day counted (days since the epoch), -1 none */
	int64_t d_month; /* last month counted (months since 1970-01), -1 none */
	char d_isp[64];
	char d_customer[64];
	json_t *d_evidence; /* the latest event's iot_device object */
};

struct iot_period {
	int64_t p_key; /* day or month number */
	uint32_t p_n[3];
};

struct iot_registry {
	struct iot_dev *r_devs;
	size_t r_n;
	size_t r_cap;
	long *r_slots;
	size_t r_nslots;
	struct iot_period *r_days;
	size_t r_ndays;
	struct iot_period *r_months;
	size_t r_nmonths;
	bool r_dirty;
};

void iot_reg_init(struct iot_registry *r);
void iot_reg_fini(struct iot_registry *r);
/*
 * Records one finding (obj: the event's iot_device object, referenced).
 * Returns the device, or NULL without memory.  *new_day (may be NULL) says
 * the finding opened a day not seen before.
 */
struct iot_dev *iot_reg_add(struct iot_registry *r, const struct mm_addr *a, unsigned cat,
	bool confirmed, uint64_t first_ns, uint64_t last_ns, const char *isp, const char *customer,
	json_t *obj);
/* The counts of one day, as a JSON object (NULL when the day has none). */
json_t *iot_reg_day_json(const struct iot_registry *r, int64_t day);
/*
 * Reads back devices.json and counts.json from dir (a restart goes on with
 * what the last run found).  Missing files are no error; entries that do not
 * parse are skipped and counted in *bad.
 */
int iot_reg_load(struct iot_registry *r, const char *dir, size_t *bad, char *err, size_t errlen);
/* Writes the three files into dir; quarantine covers [now - quarantine, now]. */
int iot_reg_write(struct iot_registry *r, const char *dir, uint64_t now_ns, uint64_t quarantine_ns,
	char *err, size_t errlen);
/* "2026-04-01" for a day number; "2026-04" for a month number. */
void iot_day_name(int64_t day, char *buf, size_t len);
void iot_month_name(int64_t month, char *buf, size_t len);
extern const char *const iot_category_names[3];
/* An address as text (dotted quad for IPv4); buf of 46 bytes or more. */
const char *iot_addr_format(const struct mm_addr *a, char *buf, size_t len);
/* A device as the JSON object of devices.json. */
json_t *iot_dev_json(const struct iot_dev *d);

#endif /* IOTSENSE_REGISTRY_H */
