package report_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/report"
)

// TestWriteHTMLEscapes checks that inputs and errors with markup come out
// as text, never as markup, in every place the page shows them.
func TestWriteHTMLEscapes(t *testing.T) {
	const (
		input = `https://example.com/</script><b>bold</b>"onmouseover="x.jpg`
		cause = `<img src=x onerror=alert(1)>`
	)
	rec := report.NewRecorder(report.Config{Start: batchStart, Settings: report.Settings{Ops: "<i>blur</i>", Backend: "</title>"}})
	id := rec.Begin(input)
	rec.Phase(id, report.Downloading, batchStart, batchStart.Add(time.Millisecond))
	rec.Thumbnails(id, []byte("\xff\xd8\xff\xe0 a JPEG, as far as sniffing goes"), nil)
	rec.Finish(id, report.Result{Err: errors.New(cause), Output: "</pre>"})
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, rec.Report()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, raw := range []string{"</script><b>", "<b>bold", cause, "<i>blur", "</title>\"", `"onmouseover="`, "</pre>\""} {
		if strings.Contains(page, raw) {
			t.Errorf("page contains %q unescaped", raw)
		}
	}
	for _, escaped := range []string{
		"https://example.com/&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;&#34;onmouseover=&#34;x.jpg", // failures table, thumbnail caption
		"&lt;img src=x onerror=alert(1)&gt;",
		`\u003c/script\u003e\u003cb\u003e`, // the embedded JSON
	} {
		if !strings.Contains(page, escaped) {
			t.Errorf("page lacks %q", escaped)
		}
	}
	if got := strings.Count(page, "</script>"); got != 3 {
		t.Errorf("page has %d </script> tags, want 3 (error hook, data, drawing)", got)
	}
}

// TestWriteHTMLSelfContained checks statically that the page references
// nothing outside itself; TestHTMLInChromium checks it in a browser.
func TestWriteHTMLSelfContained(t *testing.T) {
	r, _ := simulate(t, simConfig{items: 50, workers: 2, downloads: 4, seed: 6, thumbs: [2][]byte{[]byte("\x89PNG\r\n\x1a\nxx"), nil}})
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:|//)|@import|url\(|<link[^>]+stylesheet|<iframe|fetch\(|XMLHttpRequest`)
	if m := external.FindString(page); m != "" {
		t.Errorf("page refers to something outside itself: %q", m)
	}
	if !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Error("thumbnails are not inline data URLs")
	}
}

func TestWriteHTMLInvalid(t *testing.T) {
	good := func() *report.Report {
		r, _ := simulate(t, simConfig{items: 5, workers: 1, downloads: 1, seed: 8})
		return r
	}
	tests := []struct {
		name   string
		r      *report.Report
		change func(*report.Report)
		want   string
	}{
		{"nil report", nil, nil, "report: nil report"},
		{"span ends before it starts", good(), func(r *report.Report) { r.Items[0].Spans[0].End = -1 }, "span 0 (downloading): "},
		{"lane out of range", good(), func(r *report.Report) { r.Items[1].Worker = 7 }, `item 1 ("https://images.example.com/photos/0001.jpg?size=large"): worker lane 7 outside 0..0`},
		{"thumbnail not an image", good(), func(r *report.Report) { r.Items[0].After = []byte("<svg onload=alert(1)>") }, "after thumbnail: not a JPEG or PNG image"},
		{"unknown phase", good(), func(r *report.Report) { r.Items[2].Spans[0].Phase = 9 }, "unknown phase 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.change != nil {
				tc.change(tc.r)
			}
			var buf bytes.Buffer
			err := report.WriteHTML(&buf, tc.r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WriteHTML error = %v, want one containing %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("WriteHTML wrote %d bytes for an invalid report, want none", buf.Len())
			}
			if err := report.WriteJSON(&buf, tc.r); err == nil {
				t.Error("WriteJSON accepted the invalid report")
			}
		})
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	r, _ := simulate(t, simConfig{items: 3, workers: 1, downloads: 1, seed: 9})
	if err := report.WriteHTML(errWriter{}, r); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteHTML to a failing writer: %v, want the write error", err)
	}
	if err := report.WriteJSON(errWriter{}, r); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteJSON to a failing writer: %v, want the write error", err)
	}
}

// TestWriteHTMLWallSplit checks the bar that splits the wall time by what
// was happening, and that local files are said to be read.
func TestWriteHTMLWallSplit(t *testing.T) {
	rec := report.NewRecorder(report.Config{Start: batchStart})
	at := func(n int) time.Time { return batchStart.Add(ms(n)) }
	a, b := rec.Begin("a.jpg"), rec.Begin("b.jpg")
	rec.Phase(a, report.Downloading, at(0), at(400)) // reading only 0-200
	rec.Phase(b, report.Downloading, at(0), at(100))
	rec.Phase(b, report.Processing, at(200), at(700)) // both 200-400, computing only 400-700
	rec.Phase(a, report.Writing, at(900), at(1000))   // neither 700-1000
	rec.Finish(a, report.Result{})
	rec.Finish(b, report.Result{})
	r := rec.Report()
	r.Settings.Fetching = report.FetchFiles
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		`title="reading only: 200 ms · 20% of the wall time"`,
		`title="both at once: 200 ms · 20% of the wall time"`,
		`title="computing only: 300 ms · 30% of the wall time"`,
		`title="neither: 300 ms · 30% of the wall time"`,
		`"phases":["waiting","reading",`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}
