/* A stand-in for Windows' bcryptprimitives.dll, for tests under Wine 8.0 only.
 * Go's Windows runtime (1.24 on) loads bcryptprimitives.dll at start for
 * ProcessPrng, its source of random bytes; Wine 8.0 has no such DLL and the
 * program dies at once ("bcryptprimitives.dll not found"). This fills the
 * buffer from RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 * Built at test time with x86_64-w64-mingw32-gcc (test/wine). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n)) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
