package imgproc

import (
	"bytes"
	"compress/zlib"
	"testing"
)

// TestUprightXMP resets the orientation an XMP packet gives, as an
// attribute or as an element, and leaves the rest alone.
func TestUprightXMP(t *testing.T) {
	for in, want := range map[string]string{
		`<rdf:Description tiff:Orientation="6" dc:x="6"/>`: `<rdf:Description tiff:Orientation="1" dc:x="6"/>`,
		`<rdf:Description tiff:Orientation = '8'/>`:        `<rdf:Description tiff:Orientation = '1'/>`,
		`<tiff:Orientation>3</tiff:Orientation><a>3</a>`:   `<tiff:Orientation>1</tiff:Orientation><a>3</a>`,
		`<rdf:Description exif:PixelXDimension="6"/>`:      `<rdf:Description exif:PixelXDimension="6"/>`,
	} {
		if got := string(uprightXMP([]byte(in))); got != want {
			t.Errorf("uprightXMP(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestPhotoshopIPTC wraps IPTC records as an APP13 block and finds them
// again, also after other resources with names of odd and even lengths.
func TestPhotoshopIPTC(t *testing.T) {
	iptc := []byte{0x1c, 0x02, 0x50, 0x00, 0x03, 'A', 'd', 'a'}
	block := photoshopBlock(iptc)
	if got := photoshopIPTC(block[len(photoshopSig):]); !bytes.Equal(got, iptc) {
		t.Fatalf("read back %x, want %x", got, iptc)
	}
	// A resource 0x03ed named "ab" with 3 bytes of data before it.
	other := append([]byte("8BIM\x03\xed\x02ab\x00\x00\x00\x00\x03xyz\x00"), block[len(photoshopSig):]...)
	if got := photoshopIPTC(other); !bytes.Equal(got, iptc) {
		t.Fatalf("after another resource: read back %x, want %x", got, iptc)
	}
	if got := photoshopIPTC(other[:20]); got != nil {
		t.Errorf("cut block: %x, want nil", got)
	}
}

// TestPNGXMP reads the XMP of an iTXt chunk written plain and compressed,
// and ignores other iTXt chunks.
func TestPNGXMP(t *testing.T) {
	xmp := []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`)
	if got, ok := pngXMP(pngXMPChunk(xmp)); !ok || !bytes.Equal(got, xmp) {
		t.Errorf("plain: %q %v", got, ok)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(xmp)
	zw.Close()
	compressed := append([]byte("XML:com.adobe.xmp\x00\x01\x00en\x00\x00"), z.Bytes()...)
	if got, ok := pngXMP(compressed); !ok || !bytes.Equal(got, xmp) {
		t.Errorf("compressed: %q %v", got, ok)
	}
	if _, ok := pngXMP([]byte("Comment\x00\x00\x00\x00\x00hello")); ok {
		t.Error("a comment read as XMP")
	}
}
