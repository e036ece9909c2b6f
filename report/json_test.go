package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-dev/fanout/report"
)

func TestJSONRoundTrip(t *testing.T) {
	thumb, err := os.ReadFile(filepath.Join("..", "testdata", "report", "skimage-coffee.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := simulate(t, simConfig{items: 120, workers: 3, downloads: 5, seed: 3, thumbs: [2][]byte{thumb, thumb}})
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := report.ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadJSON(WriteJSON(r)) differs from r (-want +got):\n%s", diff)
	}
}

// TestJSONSchema pins the field names and units that other tools read.
func TestJSONSchema(t *testing.T) {
	r, _ := simulate(t, simConfig{items: 3, workers: 1, downloads: 1, seed: 4})
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version  int            `json:"version"`
		WallNS   int64          `json:"wall_ns"`
		Settings map[string]any `json:"settings"`
		Lanes    map[string]int `json:"lanes"`
		Summary  struct {
			Phases map[string]int64 `json:"phases_ns"`
		} `json:"summary"`
		Items []struct {
			Status string `json:"status"`
			Worker int    `json:"worker"`
			Slot   int    `json:"slot"`
			Spans  []struct {
				Phase   string `json:"phase"`
				StartNS int64  `json:"start_ns"`
				EndNS   int64  `json:"end_ns"`
			} `json:"spans"`
		} `json:"items"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != report.SchemaVersion || doc.WallNS != int64(r.Wall) {
		t.Errorf("version %d, wall_ns %d; want %d, %d", doc.Version, doc.WallNS, report.SchemaVersion, int64(r.Wall))
	}
	if diff := cmp.Diff(map[string]any{"downloads": 1.0, "workers": 1.0, "ops": "blur:2", "backend": "local"}, doc.Settings); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
	if got := len(doc.Summary.Phases); got != report.NumPhases {
		t.Errorf("phases_ns has %d phases, want %d", got, report.NumPhases)
	}
	it := doc.Items[0]
	if it.Status != "ok" || it.Worker != 0 || it.Slot != 0 || it.Spans[0].Phase != "downloading" || it.Spans[0].EndNS != int64(r.Items[0].Spans[0].End) {
		t.Errorf("item 0 = %+v, want an ok item on worker 0 and slot 0 whose first span is downloading, ending at %d ns", it, int64(r.Items[0].Spans[0].End))
	}
	if got := doc.Items[2].Status; got != "skipped" {
		t.Errorf("item 2 status %q, want skipped", got)
	}
}

func TestReadJSONErrors(t *testing.T) {
	const item = `{"index":0,"input":"a.jpg","status":"ok","worker":0,"slot":-1,"spans":[{"phase":"decoding","start_ns":5,"end_ns":9}]}`
	doc := func(items string) string {
		return `{"version":1,"lanes":{"workers":1,"downloads":0},"items":[` + items + `]}`
	}
	tests := []struct {
		name, in, want string
	}{
		{"not json", "<html>", "report: read json: invalid character"},
		{"truncated", doc(item)[:40], "report: read json: unexpected EOF"},
		{"future version", `{"version":99}`, "unsupported schema version 99"},
		{"unknown phase", doc(strings.Replace(item, "decoding", "dancing", 1)), `unknown phase "dancing"`},
		{"unknown status", doc(strings.Replace(item, `"ok"`, `"fine"`, 1)), `unknown status "fine"`},
		{"span backwards", doc(strings.Replace(item, `"end_ns":9`, `"end_ns":1`, 1)), `report: item 0 ("a.jpg"): span 0 (decoding): ends before it starts`},
		{"negative offset", doc(strings.Replace(item, `"start_ns":5`, `"start_ns":-5`, 1)), "out of range"},
		{"worker lane out of range", doc(strings.Replace(item, `"worker":0`, `"worker":3`, 1)), "worker lane 3 outside 0..0"},
		{"cpu span without a lane", doc(strings.Replace(item, `"worker":0`, `"worker":-1`, 1)), "span 0 (decoding): no worker lane"},
		{"index not position", doc(strings.Replace(item, `"index":0`, `"index":4`, 1)), "index 4 is not its position"},
		{"too many lanes", `{"lanes":{"workers":100000}}`, "lane counts"},
		{"thumbnail not an image", doc(strings.Replace(item, `"spans"`, `"before":"PHNjcmlwdD4=","spans"`, 1)), "before thumbnail: not a JPEG or PNG image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.ReadJSON(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadJSON(%.60q) error = %v, want one containing %q", tc.in, err, tc.want)
			}
		})
	}
}

// FuzzReadJSON checks that whatever ReadJSON accepts can be written as
// HTML and JSON, and that the JSON reads back the same.
func FuzzReadJSON(f *testing.F) {
	r, _ := simulate(f, simConfig{items: 6, workers: 2, downloads: 2, seed: 5})
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"lanes":{"workers":1},"items":[{"index":0,"input":"</script>","status":"failed","error":"<b>","worker":0,"slot":-1,"spans":[{"phase":"writing","start_ns":0,"end_ns":0}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := report.ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var page bytes.Buffer
		if err := report.WriteHTML(&page, r); err != nil {
			t.Fatalf("WriteHTML of a report ReadJSON accepted: %v", err)
		}
		var js bytes.Buffer
		if err := report.WriteJSON(&js, r); err != nil {
			t.Fatalf("WriteJSON of a report ReadJSON accepted: %v", err)
		}
		r2, err := report.ReadJSON(&js)
		if err != nil {
			t.Fatalf("ReadJSON of WriteJSON's output: %v", err)
		}
		if diff := cmp.Diff(r, r2); diff != "" {
			t.Fatalf("round trip differs (-first +second):\n%s", diff)
		}
	})
}
