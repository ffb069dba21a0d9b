/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inventory: a SQLite database in the plugin's state directory
 * (inventory.db), updated from the control thread as sessions are analysed.
 * Per server endpoint (address, port, SNI, protocol) and per client: first
 * and last seen, sessions, what was offered and negotiated, the class; per
 * day, sessions in each class (migration figures).  `mamorictl pqc` reads it
 * to export the CBOM, the CSV of vulnerable endpoints and the figures.
 */
#ifndef PQC_INVENTORY_H
#define PQC_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define PQC_INVENTORY_FILE "inventory.db"

struct pqc_inventory;

/* Opens (creating) dir/inventory.db.  On error, err names the file and the reason. */
int pqc_inventory_open(const char *dir, struct pqc_inventory **out, char *err, size_t errlen);
/* Records one session: the EVE event with its pqc_session member. */
int pqc_inventory_add(struct pqc_inventory *inv, const json_t *eve, uint64_t ts_ns);
/* Commits what was added since the last commit. */
int pqc_inventory_commit(struct pqc_inventory *inv);
void pqc_inventory_close(struct pqc_inventory *inv);
/* The last SQLite error. */
const char *pqc_inventory_error(const struct pqc_inventory *inv);

#endif /* PQC_INVENTORY_H */
