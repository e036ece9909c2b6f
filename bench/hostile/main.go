// Command hostile serves the hostile sources of bench/limits.sh on a
// loopback port: bodies that never end, servers that trickle a byte at a
// time, decompression bombs, and good photos, so that fanout's limits can
// be measured on the real binary.
//
// Usage: hostile PORT PHOTO
//
//	/endless/N.jpg  a JPEG header, then random bytes for ever (no length)
//	/trickle/N.jpg  one byte every 100 ms
//	/bomb/N.png     a 1 KB PNG whose header says 100000x100000
//	/good/N.jpg     PHOTO
package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: hostile PORT PHOTO")
	}
	photo, err := os.ReadFile(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	bomb := pngBomb(100000, 100000)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/endless/"):
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write([]byte{0xff, 0xd8, 0xff, 0xe0})
			buf := make([]byte, 64<<10)
			rng := rand.New(rand.NewPCG(1, 2))
			for r.Context().Err() == nil {
				for i := range buf {
					buf[i] = byte(rng.Uint32())
				}
				if _, err := w.Write(buf); err != nil {
					return
				}
			}
		case strings.HasPrefix(r.URL.Path, "/trickle/"):
			w.Header().Set("Content-Type", "image/jpeg")
			for _, b := range photo {
				if _, err := w.Write([]byte{b}); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-time.After(100 * time.Millisecond):
				case <-r.Context().Done():
					return
				}
			}
		case strings.HasPrefix(r.URL.Path, "/bomb/"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(bomb)
		default:
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(photo)
		}
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Args[1], nil))
}

// pngBomb is a PNG header declaring w×h 8-bit RGB pixels, with a short
// IDAT: a decoder that trusts the header before reading the data
// allocates w×h×3 bytes.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", bytes.Repeat([]byte{0x78, 0x9c}, 500))
	chunk("IEND", nil)
	return b.Bytes()
}
