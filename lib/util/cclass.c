/*
 * cclass.c - the character classes of header text (RFC 5322 atext,
 * RFC 2045 token, RFC 5321 Keyword), one table lookup each: the writers
 * of header values and the Authentication-Results reader test every
 * octet of every value against them.
 */
#include "util/util.h"

#define A VOUCH__C_ATEXT
#define S (VOUCH__C_ATEXT | VOUCH__C_TOKEN)
#define L (VOUCH__C_ATEXT | VOUCH__C_TOKEN | VOUCH__C_KEY)
#define N (L | VOUCH__C_DIGIT)
#define DOT (VOUCH__C_TOKEN | VOUCH__C_DOT)
#define AT VOUCH__C_AT
#define W VOUCH__C_WORDSTOP

/* Octets 0x80 and above are in no class here (see vouch__cclass()). */
const unsigned char vouch__ctab[256] = {
	['\t'] = W, [' '] = W, ['!'] = S, ['"'] = W, ['#'] = S, ['$'] = S,
	['%'] = S, ['&'] = S, ['\''] = S, ['('] = W, [')'] = W, ['*'] = S,
	['+'] = S, ['-'] = L, ['.'] = DOT, ['/'] = A, ['0'] = N, ['1'] = N,
	['2'] = N, ['3'] = N, ['4'] = N, ['5'] = N, ['6'] = N, ['7'] = N,
	['8'] = N, ['9'] = N, ['='] = A, ['?'] = A, ['@'] = AT, ['A'] = L,
	['B'] = L, ['C'] = L, ['D'] = L, ['E'] = L, ['F'] = L, ['G'] = L,
	['H'] = L, ['I'] = L, ['J'] = L, ['K'] = L, ['L'] = L, ['M'] = L,
	['N'] = L, ['O'] = L, ['P'] = L, ['Q'] = L, ['R'] = L, ['S'] = L,
	['T'] = L, ['U'] = L, ['V'] = L, ['W'] = L, ['X'] = L, ['Y'] = L,
	['Z'] = L, ['\\'] = W, ['^'] = S, ['_'] = S, ['`'] = S, ['a'] = L,
	['b'] = L, ['c'] = L, ['d'] = L, ['e'] = L, ['f'] = L, ['g'] = L,
	['h'] = L, ['i'] = L, ['j'] = L, ['k'] = L, ['l'] = L, ['m'] = L,
	['n'] = L, ['o'] = L, ['p'] = L, ['q'] = L, ['r'] = L, ['s'] = L,
	['t'] = L, ['u'] = L, ['v'] = L, ['w'] = L, ['x'] = L, ['y'] = L,
	['z'] = L, ['{'] = S, ['|'] = S, ['}'] = S, ['~'] = S
};
