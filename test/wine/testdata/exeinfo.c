/* exeinfo: what Windows itself reads from an executable's resources,
 * printed for test/wine's TestExeResourcesUnderWine: the version
 * information (GetFileVersionInfoW, the Details tab of Properties) and the
 * icon (ExtractIconExW, what Explorer shows). Built at test time with
 * x86_64-w64-mingw32-gcc, like the bcryptprimitives stand-in. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

static void say(const void *block, const wchar_t *lang, const wchar_t *key) {
	wchar_t path[128];
	wchar_t *value;
	UINT len;
	swprintf(path, 128, L"\\StringFileInfo\\%ls\\%ls", lang, key);
	if (VerQueryValueW(block, path, (void **)&value, &len) && len > 0)
		printf("%ls: %ls\n", key, value);
	else
		printf("%ls: (none)\n", key);
}

int wmain(int argc, wchar_t **argv) {
	DWORD ignored, size;
	void *block;
	VS_FIXEDFILEINFO *fixed;
	WORD *translation;
	UINT len, icons;
	wchar_t lang[16];
	HICON large = NULL, small = NULL;
	ICONINFO info;
	BITMAP bm;

	if (argc != 2) {
		fprintf(stderr, "usage: exeinfo FILE.exe\n");
		return 2;
	}
	size = GetFileVersionInfoSizeW(argv[1], &ignored);
	if (size == 0) {
		printf("no version information (error %lu)\n", GetLastError());
		return 1;
	}
	block = malloc(size);
	if (!GetFileVersionInfoW(argv[1], 0, size, block) ||
	    !VerQueryValueW(block, L"\\", (void **)&fixed, &len) ||
	    !VerQueryValueW(block, L"\\VarFileInfo\\Translation", (void **)&translation, &len)) {
		printf("unreadable version information (error %lu)\n", GetLastError());
		return 1;
	}
	printf("Fixed file version: %u.%u.%u.%u\n", HIWORD(fixed->dwFileVersionMS), LOWORD(fixed->dwFileVersionMS),
	       HIWORD(fixed->dwFileVersionLS), LOWORD(fixed->dwFileVersionLS));
	swprintf(lang, 16, L"%04x%04x", translation[0], translation[1]);
	say(block, lang, L"ProductName");
	say(block, lang, L"ProductVersion");
	say(block, lang, L"FileDescription");
	say(block, lang, L"OriginalFilename");

	icons = ExtractIconExW(argv[1], -1, NULL, NULL, 0);
	printf("Icons: %u\n", icons);
	if (icons > 0 && ExtractIconExW(argv[1], 0, &large, &small, 1) > 0 && large != NULL &&
	    GetIconInfo(large, &info) && GetObjectW(info.hbmColor, sizeof bm, &bm)) {
		printf("Large icon: %ldx%ld\n", bm.bmWidth, bm.bmHeight);
	}
	return 0;
}
