/* SPDX-License-Identifier: MIT */
/*
 * embed_text.c - build tool: turn a text file into a C source defining
 *   const char SYMBOL[] = "...";
 * so a file such as results/schema.sql stays the single source of what the
 * binary executes.
 *
 * Usage: embed_text SYMBOL INPUT OUTPUT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	FILE *in, *out;
	int c, bol = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: embed_text SYMBOL INPUT OUTPUT\n");
		return 2;
	}
	in = fopen(argv[2], "rb");
	if (!in) {
		fprintf(stderr, "embed_text: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	out = fopen(argv[3], "w");
	if (!out) {
		fprintf(stderr, "embed_text: %s: %s\n", argv[3], strerror(errno));
		fclose(in);
		return 1;
	}
	fprintf(out, "/* Generated from %s by embed_text; do not edit. */\n", argv[2]);
	fprintf(out, "extern const char %s[];\nconst char %s[] =\n", argv[1], argv[1]);
	while ((c = fgetc(in)) != EOF) {
		if (bol)
			fputc('"', out);
		bol = 0;
		switch (c) {
		case '\n':
			fputs("\\n\"\n", out);
			bol = 1;
			break;
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\%03o", c);
			else
				fputc(c, out);
		}
	}
	if (!bol)
		fputs("\"\n", out);
	fputs("\"\";\n", out);
	if (ferror(in) || fclose(out)) {
		fprintf(stderr, "embed_text: write error\n");
		fclose(in);
		return 1;
	}
	fclose(in);
	return 0;
}
