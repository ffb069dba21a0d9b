/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware signature file: service banners of IoT products, the version
 * ranges of their known vulnerabilities and the CVSS scores.  JSON:
 *
 *	{"format": "mamori-iotsense-firmware/1", "updated": "2026-11-01",
 *	 "signatures": [
 *	   {"product": "vsftpd", "service": "ftp", "banner": "\\(vsFTPd ",
 *	    "vulns": [{"cve": "CVE-2011-2523", "cvss": 9.8, "versions": "=2.3.4"}]}]}
 *
 * "banner" is a Hyperscan expression matched against each packet a service
 * sends; the product's version is read right where the match ends (one 'v' or
 * 'V' skipped): digits, letters, '.', '_' and '-'.  "versions" is a list of
 * constraints that must all hold, separated by spaces: "=V", "<V", "<=V",
 * ">V", ">=V", or "*" for every version, including a banner without one
 * (products whose banner alone identifies an affected line).
 *
 * A malformed signature (missing field, bad expression, bad range) is skipped
 * and counted; the first one is described.
 */
#ifndef IOTSENSE_FIRMWARE_H
#define IOTSENSE_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

#define IOT_FW_FORMAT   "mamori-iotsense-firmware/1"
#define IOT_FW_CVE_MAX  20
#define IOT_FW_TEXT_MAX 32
#define IOT_FW_RANGE    64

struct iot_fw_vuln {
	char v_cve[IOT_FW_CVE_MAX];
	uint16_t v_cvss10; /* CVSS base score x 10 */
	char v_versions[IOT_FW_RANGE];
};

struct iot_fw_sig {
	char s_product[IOT_FW_TEXT_MAX];
	char s_service[16];
	char *s_banner; /* the Hyperscan expression */
	struct iot_fw_vuln *s_vulns;
	size_t s_nvulns;
};

struct iot_fw {
	struct iot_fw_sig *f_sigs;
	size_t f_n;
	char f_updated[IOT_FW_TEXT_MAX];
};

/* Parses text; -EINVAL when it is not a signature file at all (err says why). */
int iot_fw_parse(
	const char *text, size_t len, struct iot_fw **out, size_t *bad, char *err, size_t errlen);
int iot_fw_load(const char *path, struct iot_fw **out, size_t *bad, char *err, size_t errlen);
void iot_fw_free(struct iot_fw *fw);

/* Compares two versions part by part (numbers as numbers): <0, 0, >0. */
int iot_fw_vcmp(const char *a, const char *b);
/* Whether version ("" when unknown) is in range; -1 for a malformed range. */
int iot_fw_in_range(const char *range, const char *version);
/* The version token at the start of s (after an optional v/V); its length. */
size_t iot_fw_version(const uint8_t *s, size_t n, char *out, size_t outlen);

#endif /* IOTSENSE_FIRMWARE_H */
