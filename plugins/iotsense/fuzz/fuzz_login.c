/* SPDX-License-Identifier: BSD-3-Clause */
/* The login parsers on packet payloads: client lines, FTP, HTTP basic, status codes. */
#include <stdint.h>
#include <stdlib.h>

#include "../login.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[32], b[32], cmd;
	int done;

	iot_login_line(data, size, a, sizeof(a), &done);
	iot_login_ftp(data, size, &cmd, a, sizeof(a));
	iot_login_basic(data, size, a, sizeof(a), b, sizeof(b));
	iot_login_status(data, size);
	return (0);
}
