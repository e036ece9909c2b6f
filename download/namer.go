package download

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/fanout-dev/fanout/internal/sniff"
)

// maxStem caps the bytes of a name before its extension. With a hash
// suffix (11 bytes), the longest extension (5) and a "processed_" prefix
// (10) a name stays well under the 255-byte limit of common file systems,
// and so does the temporary name an atomic write uses.
const maxStem = 200

// Namer turns sources into safe, unique file names. The zero value is ready
// to use; a Namer is safe for concurrent use. Share one Namer between
// everything that writes into the same directory.
//
// A name is made from the last element of the URL's path (or of the local
// path): query and fragment dropped, percent-decoding applied, separators,
// control and format characters, NUL and the characters Windows forbids
// replaced by "_", runs of dots collapsed, leading and trailing dots and
// spaces trimmed, Windows device names (CON, NUL, COM1...) prefixed with
// "_", and the result capped at 200 bytes. The URL's own extension is
// dropped and the one of the real format appended. A source with no usable
// name gets "image-<hash>", where <hash> is the first 10 hex digits of the
// SHA-256 of the source.
//
// Names are unique per Namer, ignoring letter case (as case-insensitive file
// systems do): the first source to claim a name gets it as is, and any other
// source whose name would be the same gets "<name>-<hash>". The same source
// always gets the same name. The result therefore depends only on the order
// of the calls, so reserve names in input order (as [Downloader.FetchAll]
// does), not as downloads complete; and keep the claims for a later run
// over the same folder with [Namer.WriteClaims] and [Namer.ReadClaims], so
// that it gives every source its name whatever its order.
type Namer struct {
	mu sync.Mutex
	// stems maps each lower-cased stem given out to a digest of the
	// source that owns it: a name costs its own bytes and 16 more,
	// however long its source. Guarded by mu.
	stems map[string]srcDigest
	// clashed is set once a source got a hashed name, or claims were
	// restored (ReadClaims): the names then depend on the order of the
	// sources, and are worth keeping. Guarded by mu.
	clashed bool
}

// srcDigest identifies a source: the first half of its SHA-256.
type srcDigest [16]byte

// Name reserves, if it has not already, and returns the file name for src
// with the extension of format (a name from internal/sniff: "jpeg", "png",
// ...; "" for none).
func (n *Namer) Name(src, format string) string {
	return n.stem(src) + sniff.Ext(format)
}

// stem reserves and returns src's name without extension.
func (n *Namer) stem(src string) string {
	sum := sha256.Sum256([]byte(src))
	id := srcDigest(sum[:16])
	h := hex.EncodeToString(sum[:])
	s := baseStem(src)
	if s == "" {
		s = "image-" + h[:10]
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stems == nil {
		n.stems = make(map[string]srcDigest)
	}
	// On a clash add the hash; in the unlikely case that this clashes too
	// (a source literally named "<name>-<hash>"), lengthen the hash. A
	// source asking again walks the same steps to the name it owns.
	for i := 10; ; i += 6 {
		owner, taken := n.stems[strings.ToLower(s)]
		if !taken || owner == id {
			break
		}
		n.clashed = true
		s = truncateUTF8(baseStemOrImage(src), maxStem-1-min(i, len(h))) + "-" + h[:min(i, len(h))]
		if i >= len(h) {
			// Same stem and same full hash: only identical sources do that,
			// and they were caught above.
			break
		}
	}
	// A clone: the stem may share the memory of a long source.
	n.stems[strings.Clone(strings.ToLower(s))] = id
	return s
}

// Clashed reports whether the names n gave out depend on the order of the
// sources: whether a source got a hashed name because another had claimed
// its name first, or claims were restored with [Namer.ReadClaims]. Only
// then are the claims worth keeping for a later run.
func (n *Namer) Clashed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.clashed
}

// claimsHeader starts the text WriteClaims writes.
const claimsHeader = "# fanout output names: the digest of the source that owns each name\n"

// WriteClaims writes which source owns each name n gave out, one line
// per name (a digest of the source, a tab, the name without extension in
// lower case), sorted by name. A Namer that reads them back with
// [Namer.ReadClaims] before naming anything gives each of those sources
// the name it had, whatever the order the sources come in: a later run
// over the same output folder finds its own outputs.
func (n *Namer) WriteClaims(w io.Writer) error {
	n.mu.Lock()
	lines := make([]string, 0, len(n.stems))
	for stem, id := range n.stems {
		lines = append(lines, hex.EncodeToString(id[:])+"\t"+stem+"\n")
	}
	n.mu.Unlock()
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[2*len(srcDigest{}):], b[2*len(srcDigest{}):]) })
	bw := bufio.NewWriter(w)
	bw.WriteString(claimsHeader)
	for _, l := range lines {
		bw.WriteString(l)
	}
	return bw.Flush()
}

// ReadClaims restores the claims [Namer.WriteClaims] wrote, adding them to
// n's. A malformed line is an error naming it; the claims before it are
// kept.
func (n *Namer) ReadClaims(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 4*maxStem+64)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stems == nil {
		n.stems = make(map[string]srcDigest)
	}
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		digest, stem, ok := strings.Cut(text, "\t")
		var id srcDigest
		if b, err := hex.DecodeString(digest); ok && err == nil && len(b) == len(id) && stem != "" && len(stem) <= maxStem+1+64 {
			copy(id[:], b)
			n.stems[strings.ToLower(stem)] = id
			n.clashed = true
			continue
		}
		return fmt.Errorf("line %d: not a digest, a tab and a name: %.80q", line, text)
	}
	return sc.Err()
}

func baseStemOrImage(src string) string {
	if s := baseStem(src); s != "" {
		return s
	}
	return "image"
}

// baseStem returns the sanitised last path element of src without its
// extension, or "" if nothing usable is left.
func baseStem(src string) string {
	base := rawBase(src)
	base = strings.ToValidUTF8(base, "_")
	base = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return '_'
		}
		return r
	}, base)
	for strings.Contains(base, "..") {
		base = strings.ReplaceAll(base, "..", ".")
	}
	if i := strings.LastIndexByte(base, '.'); i > 0 && isExt(base[i+1:]) {
		base = base[:i]
	}
	base = strings.Trim(base, " .")
	if isDeviceName(base) {
		base = "_" + base
	}
	return strings.TrimRight(truncateUTF8(base, maxStem), " .")
}

// rawBase returns the percent-decoded last element of the path in src, a
// URL or a local path.
func rawBase(src string) string {
	kind, u, _ := classify(src, true)
	if kind == localPath {
		return filepath.Base(src)
	}
	if u == nil {
		return ""
	}
	p := u.EscapedPath()
	if kind == fileURL {
		p = u.Path
		return p[strings.LastIndexByte(p, '/')+1:]
	}
	seg := p[strings.LastIndexByte(p, '/')+1:]
	if dec, err := url.PathUnescape(seg); err == nil {
		return dec
	}
	return seg
}

// isExt reports whether s looks like a file-name extension (1 to 5 ASCII
// letters and digits).
func isExt(s string) bool {
	if len(s) == 0 || len(s) > 5 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isDeviceName reports whether s, or its part before the first dot, is a
// name Windows reserves for a device.
func isDeviceName(s string) bool {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	s = strings.ToUpper(strings.TrimRight(s, " "))
	switch s {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(s) == 4 && (strings.HasPrefix(s, "COM") || strings.HasPrefix(s, "LPT")) && '0' <= s[3] && s[3] <= '9' {
		return true
	}
	return false
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
