/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - shared by the libFuzzer targets of tests/fuzz (README.md there).
 *
 * Every target defines LLVMFuzzerTestOneInput(). In the fuzz build
 * (make fuzz: clang, -fsanitize=fuzzer,address,undefined) libFuzzer drives
 * it; in the normal and sanitizer builds replay.c does, feeding it each
 * file of tests/fuzz/regressions/<target>/ and the seed corpus.
 *
 * The readers under test take file names: fuzz_file() writes an input to a
 * file of a private temporary directory (under $TMPDIR) and returns its path.
 */
#ifndef FRAG_FUZZ_H
#define FRAG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write @len bytes of @data to the file @name (a plain name, at most 8 of
 * them per process) of the private directory; returns its path (valid until
 * the next call with the same name). Aborts on an I/O error. */
const char *fuzz_file(const char *name, const void *data, size_t len);

/* The source tree (shipped scenarios and fixtures), compiled in. */
#ifndef FUZZ_SOURCE_ROOT
#define FUZZ_SOURCE_ROOT "."
#endif

#endif /* FRAG_FUZZ_H */
