package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const peerAddr = "/ip4/203.0.113.10/udp/4001/quic-v1/p2p/12D3KooWGRUVh8Kx3ZLGd5mYj9JJfB2AjSMT3Pt4Tz3q7Yy6EXQG"

func TestLoadAndSave(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	c, err := Load()
	if err != nil || !reflect.DeepEqual(c, File{}) {
		t.Fatalf("Load without a file = %+v, %v; want the zero File", c, err)
	}
	want := File{Bootstrap: []string{peerAddr}, Name: "Bob", Downloads: "/srv/in",
		Screen: Screen{Preset: "custom", MaxFPS: 15, Colours: "grey", Scale: 75, JPEG: 40}}
	if err := Save(want); err != nil {
		t.Fatal(err)
	}
	got, err := Load()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Load after Save = %+v, %v; want %+v", got, err, want)
	}
	path, _ := Path()
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"screen": {`) || !strings.Contains(string(b), `"colours": "grey"`) {
		t.Errorf("the screen quality is not in the file as a person reads it:\n%s", b)
	}
	// A preset this version does not know (a newer one's) is no damage.
	newer := File{Screen: Screen{Preset: "automatic"}}
	if err := Save(newer); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(); err != nil || !reflect.DeepEqual(got, newer) {
		t.Fatalf("Load of a newer preset = %+v, %v; want %+v", got, err, newer)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the config file: %v, %v; want mode 0600", st, err)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a temporary file is left: %v", err)
	}
}

func TestDamagedFiles(t *testing.T) {
	for name, tc := range map[string]struct{ body, says string }{
		"not JSON":                    {`{"bootstrap": [`, "not valid JSON"},
		"a wrong type":                {`{"name": 7}`, "not valid JSON"},
		"a bad address":               {`{"bootstrap": ["/ip4/1.2.3.4/tcp/1"]}`, `"bootstrap"`},
		"a name too long":             {`{"name": "` + strings.Repeat("x", MaxName+1) + `"}`, `"name"`},
		"too large":                   {`{"name": "` + strings.Repeat(" ", MaxSize) + `"}`, "larger than 64 KiB"},
		"too many bootstraps":         {`{"bootstrap": [` + strings.Repeat(`"`+peerAddr+`",`, MaxBootstrap) + `"` + peerAddr + `"]}`, "at most 64"},
		"a frame rate too high":       {`{"screen": {"preset": "custom", "max_fps": 1000}}`, `"screen": "max_fps" is not between 0 and 240`},
		"a scale of 5%":               {`{"screen": {"scale": 5}}`, `"scale" is not a percentage between 10 and 100`},
		"unknown colours":             {`{"screen": {"colours": "16"}}`, `"colours" is none of`},
		"a JPEG quality of 101":       {`{"screen": {"jpeg_quality": 101}}`, `"jpeg_quality"`},
		"a preset that is not a name": {`{"screen": {"preset": "Fast est"}}`, `"preset" is not a name`},
		"a preset name too long":      {`{"screen": {"preset": "` + strings.Repeat("x", MaxPresetName+1) + `"}}`, `"preset" is longer than 32`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", dir)
			path := filepath.Join(dir, "ra-p2p", "config.json")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Load = %+v, %v; want ErrInvalid naming %s and saying %q", c, err, path, tc.says)
			}
		})
	}
}

func TestAFolderWhereTheFileGoes(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if err := os.MkdirAll(filepath.Join(dir, "ra-p2p", "config.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Load with a folder for the file = %v", err)
	}
}

// FuzzParse: no input panics, and what Parse accepts survives a round
// trip through Save's encoding.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"bootstrap": []}`, `{"bootstrap": ["` + peerAddr + `"], "name": "Bob", "downloads": "/tmp/x"}`,
		`{"name": "Bob\u202e"}`, `null`, `[]`, `{"bootstrap": null}`, `{"bootstrap": ["/ip4/1.2.3.4"]}`,
		`{"screen": {"preset": "fastest"}}`, `{"screen": {}}`, `{"screen": null}`, `{"screen": {"scale": 9, "max_fps": -1}}`,
		`{"screen": {"preset": "custom", "max_fps": 5, "colours": "256", "scale": 50, "jpeg_quality": 40, "lossless": true}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse error %v does not wrap ErrInvalid", err)
			}
			return
		}
		enc, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("encoding an accepted file: %v", err)
		}
		again, err := Parse(enc)
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", b, again, err, c)
		}
	})
}
