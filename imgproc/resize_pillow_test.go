package imgproc_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

var update = flag.Bool("update", false, "rewrite the golden files of Pillow's output from Pillow itself")

// resampleGolden holds, per case, the SHA-256 of Pillow's output
// (Image.tobytes()) and its size, so that the parity tests run without
// Python; with Pillow installed they also compare against it directly.
const resampleGolden = "../testdata/imgproc/resample-golden.json"

// resampleCase is one call of Pillow's resize, reduce or thumbnail.
type resampleCase struct {
	Name   string    `json:"name"`
	Mode   string    `json:"mode"` // L, RGB or RGBA
	In     [2]int    `json:"in"`   // input size
	Op     string    `json:"op"`   // resize, reduce or thumbnail
	Size   [2]int    `json:"size"` // resize, thumbnail: the size; reduce: the factors
	Filter string    `json:"filter"`
	Box    []float64 `json:"box,omitempty"`
	Gap    float64   `json:"gap,omitempty"` // reducing_gap; 0: none (resize) or Pillow's default (thumbnail)
	_      [0]func() // not comparable
}

// pillowFilters maps imgproc's filter names to Pillow's constants.
var pillowFilters = []string{"nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"}

func resampleCases() []resampleCase {
	var cs []resampleCase
	add := func(c resampleCase) {
		c.Name = fmt.Sprintf("%s-%dx%d-%s-%dx%d-%s", c.Mode, c.In[0], c.In[1], c.Op, c.Size[0], c.Size[1], c.Filter)
		if c.Op == "fit" {
			c.Name += fmt.Sprintf("-centering%g,%g", c.Box[0], c.Box[1])
		} else if c.Box != nil {
			c.Name += fmt.Sprintf("-box%g,%g,%g,%g", c.Box[0], c.Box[1], c.Box[2], c.Box[3])
		}
		if c.Gap != 0 {
			c.Name += fmt.Sprintf("-gap%g", c.Gap)
		}
		cs = append(cs, c)
	}
	for _, mode := range []string{"L", "RGB", "RGBA"} {
		in := [2]int{67, 43}
		for _, f := range pillowFilters {
			for _, size := range [][2]int{{23, 17}, {7, 5}, {1, 1}, {1, 43}, {67, 1}, {101, 64}, {200, 31}, {66, 43}, {67, 43}} {
				add(resampleCase{Mode: mode, In: in, Op: "resize", Size: size, Filter: f})
			}
			add(resampleCase{Mode: mode, In: in, Op: "resize", Size: [2]int{29, 19}, Filter: f, Box: []float64{3.25, 1.5, 60.75, 40.1}})
			add(resampleCase{Mode: mode, In: in, Op: "resize", Size: [2]int{67, 43}, Filter: f, Box: []float64{0.5, 0, 67, 42.5}})
			add(resampleCase{Mode: mode, In: [2]int{1, 1}, Op: "resize", Size: [2]int{5, 3}, Filter: f})
			add(resampleCase{Mode: mode, In: [2]int{1, 9}, Op: "resize", Size: [2]int{4, 2}, Filter: f})
		}
		for _, f := range []string{"bicubic", "lanczos", "bilinear", "box"} {
			add(resampleCase{Mode: mode, In: [2]int{301, 203}, Op: "resize", Size: [2]int{37, 25}, Filter: f, Gap: 2})
			add(resampleCase{Mode: mode, In: [2]int{301, 203}, Op: "resize", Size: [2]int{41, 19}, Filter: f, Gap: 1.5, Box: []float64{10.5, 7, 290, 200.25}})
			add(resampleCase{Mode: mode, In: [2]int{301, 203}, Op: "thumbnail", Size: [2]int{64, 64}, Filter: f})
			add(resampleCase{Mode: mode, In: [2]int{301, 203}, Op: "thumbnail", Size: [2]int{50, 1000}, Filter: f, Gap: 3})
		}
		for _, f := range []string{"bicubic", "lanczos"} {
			for _, c := range [][]float64{{0.5, 0.5}, {0, 0}, {1, 1}, {0.5, 0}, {1, 0.5}} {
				add(resampleCase{Mode: mode, In: [2]int{67, 43}, Op: "fit", Size: [2]int{20, 20}, Filter: f, Box: c})
				add(resampleCase{Mode: mode, In: [2]int{67, 43}, Op: "fit", Size: [2]int{30, 9}, Filter: f, Box: c})
			}
		}
		for _, fac := range [][2]int{{2, 2}, {3, 3}, {4, 4}, {5, 5}, {7, 3}, {1, 4}, {6, 1}, {8, 8}} {
			add(resampleCase{Mode: mode, In: [2]int{67, 43}, Op: "reduce", Size: fac})
		}
	}
	return cs
}

// testPattern returns a deterministic w×h image of the mode: noise over
// gradients and sharp edges, and for RGBA alpha from 0 to 255 with fully
// transparent and opaque areas.
func testPattern(mode string, w, h int) image.Image {
	s := uint32(2463534242)
	next := func() byte {
		s ^= s << 13
		s ^= s >> 17
		s ^= s << 5
		return byte(s >> 24)
	}
	val := func(x, y, c int) byte {
		v := (x*255/max(1, w-1) + y*97/max(1, h-1) + c*60) & 255
		if (x/5+y/7)%3 == 0 {
			v = 255 - v
		}
		return byte((v*3 + int(next())) / 4)
	}
	switch mode {
	case "L":
		m := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				m.Pix[y*m.Stride+x] = val(x, y, 0)
			}
		}
		return m
	case "RGB":
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				m.Set(x, y, color.RGBA{val(x, y, 0), val(x, y, 1), val(x, y, 2), 255})
			}
		}
		return m
	}
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := val(x, y, 3)
			switch {
			case x < w/4:
				a = 0
			case x >= 3*w/4:
				a = 255
			}
			m.SetNRGBA(x, y, color.NRGBA{val(x, y, 0), val(x, y, 1), val(x, y, 2), a})
		}
	}
	return m
}

// tobytes returns img's samples as Pillow's Image.tobytes() gives them in
// the mode.
func tobytes(tb testing.TB, mode string, img image.Image) []byte {
	tb.Helper()
	r := img.Bounds()
	var out []byte
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			switch m := img.(type) {
			case *image.Gray:
				if mode != "L" {
					tb.Fatalf("%s result is %T", mode, img)
				}
				out = append(out, m.GrayAt(x, y).Y)
			case *image.NRGBA:
				c := m.NRGBAAt(x, y)
				if mode == "L" {
					tb.Fatalf("L result is %T", img)
				}
				out = append(out, c.R, c.G, c.B)
				if mode == "RGBA" {
					out = append(out, c.A)
				} else if c.A != 255 {
					tb.Fatalf("RGB result has alpha %d at (%d, %d)", c.A, x, y)
				}
			default:
				tb.Fatalf("%s result is %T", mode, img)
			}
		}
	}
	return out
}

// run applies the case with imgproc.
func (c resampleCase) run(tb testing.TB) image.Image {
	tb.Helper()
	img := testPattern(c.Mode, c.In[0], c.In[1])
	f, err := imgproc.ParseFilter(c.Filter)
	if err != nil && c.Op != "reduce" {
		tb.Fatal(err)
	}
	opts := &imgproc.ResizeOptions{Filter: f, ReducingGap: c.Gap}
	if c.Box != nil && c.Op != "fit" {
		opts.Box = [4]float64(c.Box)
	}
	var out image.Image
	switch c.Op {
	case "resize":
		out, err = imgproc.Resize(img, c.Size[0], c.Size[1], opts)
	case "thumbnail":
		out, err = imgproc.Thumbnail(img, c.Size[0], c.Size[1], opts)
	case "reduce":
		out, err = imgproc.Reduce(img, c.Size[0], c.Size[1])
	case "fit":
		gravity := map[[2]float64]string{{0.5, 0.5}: "center", {0, 0}: "northwest", {1, 1}: "southeast", {0.5, 0}: "north", {1, 0.5}: "east"}[[2]float64(c.Box)]
		var ops imgproc.Ops
		if ops, err = imgproc.ParseOps(fmt.Sprintf("resize=%dx%d:cover:%s:%s", c.Size[0], c.Size[1], gravity, c.Filter)); err == nil {
			out, err = ops.Apply(tb.(interface{ Context() context.Context }).Context(), img)
		}
	}
	if err != nil {
		tb.Fatalf("%s: %v", c.Name, err)
	}
	return out
}

// pillowResample runs every case with Pillow, writing each output's bytes
// and size into dir.
const pillowResample = `
import json, os, sys
from PIL import Image, ImageOps
cases, src, out = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
F = {"nearest": Image.Resampling.NEAREST, "box": Image.Resampling.BOX, "bilinear": Image.Resampling.BILINEAR,
     "hamming": Image.Resampling.HAMMING, "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS}
for c in cases:
    im = Image.open(os.path.join(src, "%s-%dx%d.png" % (c["mode"], c["in"][0], c["in"][1]))).convert(c["mode"])
    if c["op"] == "resize":
        im = im.resize(tuple(c["size"]), F[c["filter"]], box=c.get("box"), reducing_gap=c.get("gap") or None)
    elif c["op"] == "reduce":
        im = im.reduce(tuple(c["size"]))
    elif c["op"] == "fit":
        im = ImageOps.fit(im, tuple(c["size"]), F[c["filter"]], centering=tuple(c["box"]))
    else:
        im.thumbnail(tuple(c["size"]), F[c["filter"]], reducing_gap=c.get("gap") or 2.0)
    with open(os.path.join(out, c["name"]), "wb") as f:
        f.write(json.dumps(im.size).encode() + b"\n" + im.tobytes())
`

type goldenEntry struct {
	Size   [2]int `json:"size"`
	SHA256 string `json:"sha256"`
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestResamplePillow checks Resize, Thumbnail and Reduce bit for bit
// against Pillow 9.4: every filter, up and down, odd sizes, one-pixel
// edges, fractional boxes, reducing gaps, grey, RGB and RGBA. Without
// Pillow it checks the golden digests of Pillow's output.
func TestResamplePillow(t *testing.T) {
	cases := resampleCases()
	golden := map[string]goldenEntry{}
	if data, err := os.ReadFile(resampleGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	live := pillowCheck() == nil
	var pillowDir string
	if live {
		dir := t.TempDir()
		inputs := map[string]bool{}
		for _, c := range cases {
			name := fmt.Sprintf("%s-%dx%d.png", c.Mode, c.In[0], c.In[1])
			if !inputs[name] {
				inputs[name] = true
				mustWritePNG(t, filepath.Join(dir, name), testPattern(c.Mode, c.In[0], c.In[1]))
			}
		}
		js, _ := json.Marshal(cases)
		list := filepath.Join(dir, "cases.json")
		if err := os.WriteFile(list, js, 0o644); err != nil {
			t.Fatal(err)
		}
		pillowDir = filepath.Join(dir, "out")
		os.Mkdir(pillowDir, 0o755)
		runPillow(t, pillowResample, list, dir, pillowDir)
	} else if *update {
		t.Fatal("-update needs Pillow (Debian python3-pil)")
	} else if len(golden) == 0 {
		t.Skipf("no golden file %s and no Pillow to compare with", resampleGolden)
	}
	mismatches := 0
	for _, c := range cases {
		got := c.run(t)
		gb := tobytes(t, c.Mode, got)
		gs := [2]int{got.Bounds().Dx(), got.Bounds().Dy()}
		if live {
			data, err := os.ReadFile(filepath.Join(pillowDir, c.Name))
			if err != nil {
				t.Fatal(err)
			}
			i := slices.Index(data, '\n')
			var ws [2]int
			if err := json.Unmarshal(data[:i], &ws); err != nil {
				t.Fatal(err)
			}
			want := data[i+1:]
			if *update {
				golden[c.Name] = goldenEntry{Size: ws, SHA256: digest(want)}
			}
			if g, ok := golden[c.Name]; ok && (g.Size != ws || g.SHA256 != digest(want)) {
				t.Errorf("%s: the golden digest differs from Pillow's output; rerun with -update", c.Name)
			}
			if gs != ws || !slices.Equal(gb, want) {
				mismatches++
				n, first := 0, -1
				for k := range min(len(gb), len(want)) {
					if gb[k] != want[k] {
						n++
						if first < 0 {
							first = k
						}
					}
				}
				t.Errorf("%s: got %v, Pillow %v; %d of %d bytes differ, first at %d", c.Name, gs, ws, n, len(want), first)
			}
			continue
		}
		g, ok := golden[c.Name]
		if !ok {
			t.Errorf("%s: no golden digest; rerun with Pillow and -update", c.Name)
			continue
		}
		if gs != g.Size || digest(gb) != g.SHA256 {
			mismatches++
			t.Errorf("%s: got %v with digest %s, want Pillow's %v %s", c.Name, gs, digest(gb)[:12], g.Size, g.SHA256[:12])
		}
	}
	if *update && live {
		js, _ := json.MarshalIndent(golden, "", " ")
		if err := os.WriteFile(resampleGolden, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d cases, %d differ from Pillow (live oracle: %v)", len(cases), mismatches, live)
}
