package sniff_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/internal/sniff"
)

// box builds an ISO-BMFF ftyp box with the given major and compatible brands.
func box(major string, compat ...string) []byte {
	n := 16 + 4*len(compat)
	b := []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
	for _, c := range compat {
		b = append(b, c...)
	}
	return b
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "download", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestFormat(t *testing.T) {
	bmp := []byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00")
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"jpeg file", mustRead(t, "sharp-concert.jpg"), "jpeg"},
		{"png file", mustRead(t, "with-alpha.png"), "png"},
		{"webp file", mustRead(t, "4.webp"), "webp"},
		{"gif file", mustRead(t, "animated-loop-3.gif"), "gif"},
		{"jpeg magic", []byte("\xff\xd8\xff\xe0"), "jpeg"},
		{"gif87a", []byte("GIF87a......"), "gif"},
		{"bmp", bmp, "bmp"},
		{"bmp short", bmp[:17], ""},
		{"bmp bad dib size", append(append([]byte{}, bmp[:14]...), 7, 0, 0, 0), ""},
		{"text starting BM", []byte("BMW is a carmaker, not an image"), ""},
		{"tiff little endian", []byte("II*\x00\x08\x00\x00\x00"), "tiff"},
		{"tiff big endian", []byte("MM\x00*\x00\x00\x00\x08"), "tiff"},
		{"bigtiff", []byte("II+\x00\x08\x00\x00\x00"), "tiff"},
		{"avif major", box("avif", "mif1", "miaf"), "avif"},
		{"avis major", box("avis", "msf1"), "avif"},
		{"avif compatible", box("mif1", "miaf", "avif"), "avif"},
		{"avif wins over heic", box("mif1", "heic", "avif"), "avif"},
		{"heic major", box("heic", "mif1"), "heic"},
		{"heix major", box("heix"), "heic"},
		{"heic compatible", box("mif1", "heic"), "heic"},
		{"generic heif only", box("mif1", "miaf"), ""},
		{"mp4", box("isom", "iso2", "mp41"), ""},
		{"avif brand beyond box size", append(box("mif1"), "avif"...), ""},
		{"ftyp size too small", append([]byte{0, 0, 0, 8}, box("avif")[4:]...), ""},
		{"riff but wave", []byte("RIFF\x00\x00\x00\x00WAVEfmt "), ""},
		{"png truncated signature", []byte("\x89PNG\r\n"), ""},
		{"html", []byte("<!doctype html><html>"), ""},
		{"empty", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sniff.Format(tc.in); got != tc.want {
				t.Errorf("Format(%q) = %q, want %q", head(tc.in), got, tc.want)
			}
		})
	}
}

func head(b []byte) []byte { return b[:min(len(b), 24)] }

func TestExt(t *testing.T) {
	tests := []struct {
		format, want string
	}{
		{"jpeg", ".jpg"}, {"png", ".png"}, {"gif", ".gif"}, {"webp", ".webp"},
		{"bmp", ".bmp"}, {"tiff", ".tiff"}, {"avif", ".avif"}, {"heic", ".heic"},
		{"", ""}, {"JPEG", ""}, {"svg", ""},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			if got := sniff.Ext(tc.format); got != tc.want {
				t.Errorf("Ext(%q) = %q, want %q", tc.format, got, tc.want)
			}
		})
	}
}

func FuzzFormat(f *testing.F) {
	for _, name := range []string{"sharp-concert.jpg", "with-alpha.png", "4.webp", "animated-loop-3.gif"} {
		f.Add(head(mustRead(f, name)))
	}
	f.Add(box("mif1", "heic", "avif"))
	f.Add([]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"))
	f.Add([]byte("II*\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got := sniff.Format(b)
		if (got == "") != (sniff.Ext(got) == "") {
			t.Fatalf("Format(%q) = %q, which has extension %q", head(b), got, sniff.Ext(got))
		}
		// Where the standard library is sure, we must agree with it.
		want := map[string]string{
			"image/jpeg": "jpeg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
		}[http.DetectContentType(b)]
		if want != "" && got != want {
			t.Fatalf("Format(%q) = %q, but http.DetectContentType says %q", head(b), got, want)
		}
	})
}
