package download_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fanout-dev/fanout/download"
)

func TestNamerName(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		src, format, want string
	}{
		{"https://x.com/a/cat.jpg", "jpeg", "cat.jpg"},
		{"https://x.com/a/cat.jpg?w=100#top", "jpeg", "cat.jpg"},
		{"https://x.com/a/photo.jpg", "png", "photo.png"},
		{"https://x.com/a/photo.JPEG", "webp", "photo.webp"},
		{"https://x.com/a/cat%20face.jpg", "jpeg", "cat face.jpg"},
		{"https://x.com/%E7%8C%AB.jpg", "jpeg", "猫.jpg"},
		{"https://x.com/photo.php?id=7", "gif", "photo.gif"},
		{"https://x.com/archive.tar.gz", "png", "archive.tar.png"},
		{"https://x.com/..%2F..%2Fetc%2Fpasswd", "jpeg", "_._etc_passwd.jpg"},
		{"https://x.com/a%5Cb%3A%2A.jpg", "jpeg", "a_b__.jpg"},
		{"https://x.com/a%00b%0Ac%7F.jpg", "jpeg", "a_b_c_.jpg"},
		{"https://x.com/%E2%80%AEgpj.exe", "jpeg", "_gpj.jpg"},
		{"https://x.com/%FF%FEx.png", "png", "_x.png"},
		{"https://x.com/.hidden.png", "png", "hidden.png"},
		{"https://x.com/CON.jpg", "jpeg", "_CON.jpg"},
		{"https://x.com/lpt1", "jpeg", "_lpt1.jpg"},
		{"https://x.com/com10.jpg", "jpeg", "com10.jpg"},
		{"https://x.com/" + long + ".jpg", "jpeg", strings.Repeat("a", 200) + ".jpg"},
		{"https://x.com/name.", "jpeg", "name.jpg"},
		{"https://x.com/a.b", "", "a"},
		{"file:///tmp/in/y.png", "png", "y.png"},
		{"/tmp/in/z.gif", "gif", "z.gif"},
		{"relative/dir/w.webp", "webp", "w.webp"},
	}
	for _, tc := range tests {
		t.Run(tc.src[:min(len(tc.src), 40)], func(t *testing.T) {
			var n download.Namer
			if got := n.Name(tc.src, tc.format); got != tc.want {
				t.Errorf("Name(%q, %q) = %q, want %q", tc.src, tc.format, got, tc.want)
			}
		})
	}
}

func hash10(src string) string {
	sum := sha256.Sum256([]byte(src))
	return hex.EncodeToString(sum[:])[:10]
}

func TestNamerFallback(t *testing.T) {
	for _, src := range []string{"https://x.com", "https://x.com/", "https://x.com/?id=1", "https://x.com/...", "https://x.com/%20"} {
		var n download.Namer
		if got, want := n.Name(src, "jpeg"), "image-"+hash10(src)+".jpg"; got != want {
			t.Errorf("Name(%q) = %q, want %q", src, got, want)
		}
	}
}

func TestNamerCollisions(t *testing.T) {
	srcs := []string{
		"https://a.com/p/cat.jpg?w=100",
		"https://a.com/p/cat.jpg?w=200",
		"https://b.com/cat.jpg",
		"https://a.com/p/Cat.png", // same name on a case-insensitive file system
		"https://a.com/p/cat.jpg?w=100",
		"https://a.com/",
		"https://b.com/",
	}
	want := []string{
		"cat.jpg",
		"cat-" + hash10(srcs[1]) + ".jpg",
		"cat-" + hash10(srcs[2]) + ".jpg",
		"Cat-" + hash10(srcs[3]) + ".jpg",
		"cat.jpg", // the same source keeps its name
		"image-" + hash10(srcs[5]) + ".jpg",
		"image-" + hash10(srcs[6]) + ".jpg",
	}
	var n download.Namer
	for i, src := range srcs {
		if got := n.Name(src, "jpeg"); got != want[i] {
			t.Errorf("Name(%q) = %q, want %q", src, got, want[i])
		}
	}
	// A source literally named like another's suffixed name does not steal it.
	clash := "https://c.com/cat-" + hash10(srcs[1]) + ".jpg"
	clashName := n.Name(clash, "jpeg")
	if clashName == want[1] {
		t.Errorf("Name(%q) = %q, which is already taken", clash, clashName)
	}
	// Asked again, after all the others, each source gets its own name.
	for i, src := range srcs {
		if got := n.Name(src, "jpeg"); got != want[i] {
			t.Errorf("Name(%q) again = %q, want %q", src, got, want[i])
		}
	}
	if got := n.Name(clash, "jpeg"); got != clashName {
		t.Errorf("Name(%q) again = %q, want %q", clash, got, clashName)
	}
}

// TestNamerMemory checks that a name costs about its own bytes, not its
// source's: 50,000 sources of 2 KB (long signed URLs) keep under 10 MB.
func TestNamerMemory(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	query := "?sig=" + strings.Repeat("x", 2000)
	before := heap()
	var n download.Namer
	const count = 50_000
	for i := range count {
		n.Name(fmt.Sprintf("https://cdn.example.com/photos/img-%d.jpg%s", i, query), "jpeg")
	}
	grew := int64(heap()) - int64(before)
	runtime.KeepAlive(&n)
	if grew > 10<<20 {
		t.Errorf("%d names kept %d bytes, want under 10 MB (the sources are %d MB)", count, grew, count*len(query)>>20)
	}
}

var safeName = regexp.MustCompile(`^[^/\\\x00-\x1f\x7f:*?"<>|.][^/\\\x00-\x1f\x7f:*?"<>|]*$`)

func FuzzNamer(f *testing.F) {
	for _, s := range []string{"https://x.com/a/cat.jpg?w=1", "https://x.com/..%2F..", "/tmp/a b.jpg", "file:///x/%00", "https://x.com/CON"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var n download.Namer
		name := n.Name(src, "jpeg")
		if !utf8.ValidString(name) || len(name) > 255 || !safeName.MatchString(name) ||
			strings.Contains(name, "..") || !strings.HasSuffix(name, ".jpg") {
			t.Fatalf("Name(%q) = %q: not a safe name", src, name)
		}
		if again := n.Name(src, "jpeg"); again != name {
			t.Fatalf("Name(%q) = %q, then %q", src, name, again)
		}
		if other := n.Name(src+"?x", "jpeg"); other == name {
			t.Fatalf("Name(%q) and Name(%q) are both %q", src, src+"?x", name)
		}
	})
}

func ExampleNamer() {
	var n download.Namer
	fmt.Println(n.Name("https://cdn.example.com/photos/cat.jpg?w=100", "webp"))
	fmt.Println(n.Name("https://cdn.example.com/photos/..%2F..%2Fetc%2Fpasswd", "jpeg"))
	fmt.Println(n.Name("https://cdn.example.com/", "png"))
	// Output:
	// cat.webp
	// _._etc_passwd.jpg
	// image-1d7451fe72.png
}

// TestNamerClaims checks that claims kept from one run give every source
// the same name in a later run, whatever the order of its sources.
func TestNamerClaims(t *testing.T) {
	srcs := []string{"a/x.jpg", "b/x.jpg", "https://h/c/X.jpg", "d/y.jpg"}
	var first download.Namer
	want := map[string]string{}
	for _, s := range srcs {
		want[s] = first.Name(s, "jpeg")
	}
	if !first.Clashed() {
		t.Fatal("three sources named x: Clashed() = false")
	}
	var claims strings.Builder
	if err := first.WriteClaims(&claims); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(claims.String(), "\n"); got != 1+len(srcs) {
		t.Errorf("claims have %d lines, want a header and %d:\n%s", got, len(srcs), claims.String())
	}

	var again download.Namer
	if err := again.ReadClaims(strings.NewReader(claims.String())); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{3, 2, 1, 0} { // the other way round
		if got := again.Name(srcs[i], "jpeg"); got != want[srcs[i]] {
			t.Errorf("after restoring the claims, %s is named %s, want %s as before", srcs[i], got, want[srcs[i]])
		}
	}
	if got := again.Name("e/x.jpg", "jpeg"); got == "x.jpg" || slices.Contains(slices.Collect(maps.Values(want)), got) {
		t.Errorf("a new source took a claimed name: %s", got)
	}

	var plain download.Namer
	plain.Name("a/x.jpg", "jpeg")
	plain.Name("b/y.jpg", "jpeg")
	if plain.Clashed() {
		t.Error("no two sources named alike: Clashed() = true")
	}

	err := new(download.Namer).ReadClaims(strings.NewReader(claimsHeaderForTest + "0123\tx\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("malformed claims: %v, want an error naming line 2", err)
	}
}

const claimsHeaderForTest = "# a comment\n"
