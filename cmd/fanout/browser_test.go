package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/internal/chromiumtest"
)

// TestWebOutputInChromium makes thumbnails in each format fanout writes
// for the web (JPEG, PNG, WebP lossy and lossless, AVIF) and opens them in
// headless Chromium, as a web page would show them: each must load, at its
// size, and its pixels must be those of the photo (the page draws each on a
// canvas and reports the mean of a channel, which must be near the JPEG's).
func TestWebOutputInChromium(t *testing.T) {
	bin := chromiumtest.Binary(t)
	in := filepath.Join("..", "..", "testdata", "imgproc", "coffee-444.jpg")
	out := t.TempDir()
	type output struct{ file, flags string }
	outputs := []output{{"jpeg.jpg", "--format jpeg"}, {"png.png", "--format png"}}
	outputs = append(outputs, output{"lossy.webp", "--format webp"}, output{"lossless.webp", "--format webp --lossless"})
	if _, err := imgproc.AVIFInfo(); err == nil {
		outputs = append(outputs, output{"photo.avif", "--format avif"})
	} else {
		t.Logf("AVIF not checked: %v", err)
	}
	for _, o := range outputs {
		dir := filepath.Join(out, strings.TrimSuffix(o.file, filepath.Ext(o.file)))
		args := append([]string{"images", in, "-o", dir, "--ops", "resize=240x", "--quiet", "--name", "{n}.{ext}"}, strings.Fields(o.flags)...)
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
			t.Fatalf("%s: exit %d: %s", o.file, code, stderr.String())
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) != 1 {
			t.Fatalf("%s: outputs %v", o.file, files)
		}
		if err := os.Rename(files[0], filepath.Join(out, o.file)); err != nil {
			t.Fatal(err)
		}
	}
	var page strings.Builder
	page.WriteString(`<!doctype html><body><pre id="result"></pre><script>
const files = ` + "`")
	for _, o := range outputs {
		page.WriteString(o.file + " ")
	}
	page.WriteString("`" + `.trim().split(" ");
let lines = [], left = files.length;
for (const f of files) {
  const img = new Image();
  img.onload = () => {
    const c = document.createElement("canvas");
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext("2d"); g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let sum = 0; for (let i = 1; i < d.length; i += 4) sum += d[i];
    lines.push(f + " " + img.naturalWidth + "x" + img.naturalHeight + " green " + Math.round(sum / (d.length / 4)));
    if (--left === 0) document.getElementById("result").textContent = lines.sort().join("\n");
  };
  img.onerror = () => { lines.push(f + " error"); if (--left === 0) document.getElementById("result").textContent = lines.sort().join("\n"); };
  img.src = "/" + f;
}
</script>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(page.String()))
			return
		}
		http.ServeFile(w, r, filepath.Join(out, filepath.Base(r.URL.Path)))
	}))
	t.Cleanup(srv.Close)
	dom := chromiumtest.Run(t, bin, "--virtual-time-budget=10000", "--dump-dom", srv.URL+"/")
	m := regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("no result in the page:\n%s", dom)
	}
	got := map[string]string{}
	var greens []int
	for _, line := range strings.Split(strings.TrimSpace(string(m[1])), "\n") {
		var name, size string
		var green int
		if _, err := fmt.Sscanf(line, "%s %s green %d", &name, &size, &green); err != nil {
			t.Errorf("Chromium: %q", line)
			continue
		}
		got[name] = size
		greens = append(greens, green)
	}
	for _, o := range outputs {
		if got[o.file] != "240x159" {
			t.Errorf("%s renders at %q in Chromium, want 240x159", o.file, got[o.file])
		}
	}
	for _, g := range greens {
		if d := g - greens[0]; d < -3 || d > 3 {
			t.Errorf("mean green levels %v: the formats do not show the same picture", greens)
			break
		}
	}
}

// TestAnimatedWebPInChromium converts the test GIF (10 frames) to an
// animated WebP at half size and opens it in headless Chromium with the
// WebCodecs ImageDecoder, as a browser decodes it for display: it must
// have every frame, at the size asked, with the GIF's delays.
func TestAnimatedWebPInChromium(t *testing.T) {
	bin := chromiumtest.Binary(t)
	src := filepath.Join("..", "..", "testdata", "imgproc", "animated-loop-3.gif")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"images", src, "-o", out, "--ops", "resize=50%", "--format", "webp", "--quiet", "--name", "anim{n}.{ext}"}
	if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := imgproc.DecodeAnimation(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	fmt.Fprintf(&want, "frames %d", len(a.Frames))
	b := a.Frames[0].Bounds()
	for _, d := range a.Delays {
		fmt.Fprintf(&want, " %dx%d/%dms", (b.Dx()+1)/2, (b.Dy()+1)/2, d.Milliseconds())
	}
	// The decoding runs off the page's main thread, where Chromium's
	// virtual time does not wait for it: the page holds an image request
	// (/gate) open until it has posted its result, which keeps the page
	// loading, and virtual time stopped, until then.
	page := `<!doctype html><body><img src="/gate"><script>
(async () => {
  let s;
  try {
    const data = await (await fetch("/anim1.webp")).arrayBuffer();
    const dec = new ImageDecoder({data, type: "image/webp"});
    await dec.tracks.ready;
    const n = dec.tracks.selectedTrack.frameCount;
    s = "frames " + n;
    for (let i = 0; i < n; i++) {
      const {image} = await dec.decode({frameIndex: i});
      s += " " + image.displayWidth + "x" + image.displayHeight + "/" + Math.round(image.duration / 1000) + "ms";
      image.close();
    }
  } catch (e) { s = "error " + e; }
  await fetch("/result", {method: "POST", body: s});
})();
</script>`
	result := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(page))
		case "/result":
			body, _ := io.ReadAll(r.Body)
			result <- string(body)
		case "/gate":
			select {
			case s := <-result:
				result <- s
			case <-time.After(30 * time.Second):
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			http.ServeFile(w, r, filepath.Join(out, filepath.Base(r.URL.Path)))
		}
	}))
	t.Cleanup(srv.Close)
	chromiumtest.Run(t, bin, "--virtual-time-budget=10000", "--dump-dom", srv.URL+"/")
	select {
	case got := <-result:
		if got != want.String() {
			t.Errorf("Chromium decodes\n%s\nwant\n%s", got, want.String())
		}
	default:
		t.Fatal("the page posted no result")
	}
}
