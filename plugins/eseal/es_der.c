/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounded DER walking. */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "es_der.h"

int
es_tlv_next(const uint8_t **p, const uint8_t *end, struct es_tlv *tv)
{
	const unsigned char *q = *p;
	long len;
	int ret;

	if (*p >= end)
		return (-1);
	ret = ASN1_get_object(&q, &len, &tv->tv_tag, &tv->tv_class, end - *p);
	if ((ret & 0x80) != 0 || ret == 0x21 || len < 0 || len > end - q) {
		ERR_clear_error();
		return (-1);
	}
	tv->tv_cons = (ret & V_ASN1_CONSTRUCTED) != 0;
	tv->tv_der = *p;
	tv->tv_body = q;
	tv->tv_blen = len;
	tv->tv_dlen = (q + len) - *p;
	*p = q + len;
	return (0);
}

int
es_tlv_oid(const struct es_tlv *tv, char *buf, size_t len)
{
	const unsigned char *q = tv->tv_der;
	ASN1_OBJECT *obj;

	if (tv->tv_class != V_ASN1_UNIVERSAL || tv->tv_tag != V_ASN1_OBJECT)
		return (-1);
	if ((obj = d2i_ASN1_OBJECT(NULL, &q, tv->tv_dlen)) == NULL) {
		ERR_clear_error();
		return (-1);
	}
	OBJ_obj2txt(buf, (int)len, obj, 1);
	ASN1_OBJECT_free(obj);
	return (0);
}

size_t
es_der_put(uint8_t *out, size_t outlen, int tag, const uint8_t *body, size_t len)
{
	uint8_t hdr[6];
	size_t h = 0;

	hdr[h++] = (uint8_t)tag;
	if (len < 0x80) {
		hdr[h++] = (uint8_t)len;
	} else if (len <= 0xff) {
		hdr[h++] = 0x81;
		hdr[h++] = (uint8_t)len;
	} else if (len <= 0xffff) {
		hdr[h++] = 0x82;
		hdr[h++] = (uint8_t)(len >> 8);
		hdr[h++] = (uint8_t)len;
	} else {
		return (0);
	}
	if (h + len > outlen)
		return (0);
	memcpy(out, hdr, h);
	memmove(out + h, body, len);
	return (h + len);
}
