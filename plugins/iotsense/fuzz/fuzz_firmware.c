/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware signature file parser, and the version reader and range
 * check on every signature it accepts, with the input's tail as a banner.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../firmware.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iot_fw *fw = NULL;
	char err[256], ver[32];
	size_t bad;

	iot_fw_version(data, size, ver, sizeof(ver));
	if (iot_fw_parse((const char *)data, size, &fw, &bad, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < fw->f_n; i++)
			for (size_t k = 0; k < fw->f_sigs[i].s_nvulns; k++) {
				iot_fw_in_range(fw->f_sigs[i].s_vulns[k].v_versions, ver);
				iot_fw_in_range(fw->f_sigs[i].s_vulns[k].v_versions, "");
			}
		iot_fw_free(fw);
	}
	if (size > 0 && size < 128) {
		char a[128];

		memcpy(a, data, size);
		a[size] = '\0';
		iot_fw_in_range(a, ver);
		iot_fw_vcmp(a, ver);
	}
	return (0);
}
