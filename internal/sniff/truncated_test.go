package sniff_test

import (
	"testing"

	"github.com/fanout-dev/fanout/internal/sniff"
)

func TestTruncated(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	png := mustRead(t, "with-alpha.png")
	webp := mustRead(t, "4.webp")
	gif := mustRead(t, "animated-loop-3.gif")
	bmp := append([]byte("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"), make([]byte, 0x3a-18)...)
	avif := append(box("avif", "mif1"), "\x00\x00\x00\x10meta\x00\x00\x00\x00\x00\x00\x00\x00"...)
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{"jpeg complete", jpg, false},
		{"jpeg cut in half", jpg[:len(jpg)/2], true},
		{"jpeg missing last byte", jpg[:len(jpg)-1], true},
		{"jpeg cut in header", jpg[:300], true},
		{"jpeg with a video appended", cat(jpg, box("mp42", "isom"), make([]byte, 1000)), false},
		{"jpeg garbage after SOI", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00garbage"), true},
		{"jpeg not a marker after SOI", []byte("\xff\xd8\xff\xd8\x12\x34"), false},
		{"png complete", png, false},
		{"png cut in IEND", png[:len(png)-1], true},
		{"png cut in half", png[:len(png)/2], true},
		{"png signature only", png[:8], true},
		{"webp complete", webp, false},
		{"webp cut", webp[:len(webp)-100], true},
		{"gif complete", gif, false},
		{"gif cut in half", gif[:len(gif)/2], true},
		{"gif without trailer", gif[:len(gif)-1], false},
		{"gif cut in colour table", gif[:13], true},
		{"gif header without colour table, no blocks", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), false},
		{"gif cut in header", gif[:12], true},
		{"bmp complete", bmp, false},
		{"bmp cut", bmp[:40], true},
		// Declared sizes near 4 GiB overflow an int on 32-bit platforms
		// (GOARCH=386 go test).
		{"webp declaring 4 GiB", cat([]byte("RIFF\xf8\xff\xff\xffWEBP"), webp[12:]), true},
		{"bmp declaring 4 GiB", cat([]byte("BM\xff\xff\xff\xff"), bmp[6:]), true},
		{"avif complete", avif, false},
		{"avif cut in a box", avif[:len(avif)-1], true},
		{"avif cut in a box header", avif[:len(avif)-12], true},
		{"tiff unknown", []byte("II*\x00"), false},
		{"unknown", []byte("hello"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sniff.Truncated(tc.in); got != tc.want {
				t.Errorf("Truncated(%q... %d bytes) = %v, want %v", head(tc.in), len(tc.in), got, tc.want)
			}
		})
	}
}

func FuzzTruncated(f *testing.F) {
	for _, name := range []string{"sharp-concert.jpg", "with-alpha.png", "animated-loop-3.gif"} {
		b := mustRead(f, name)
		f.Add(b[:min(len(b), 4096)])
	}
	f.Add(box("avif", "mif1"))
	f.Add([]byte("RIFF\x10\x00\x00\x00WEBPVP8 "))
	f.Fuzz(func(t *testing.T, b []byte) {
		sniff.Truncated(b) // must not panic or loop forever
	})
}
