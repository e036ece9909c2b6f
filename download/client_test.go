package download

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestOwnClientHTTP2 checks that the Downloader's own client negotiates
// HTTP/2 with a server that offers it, despite its custom dialer.
func TestOwnClientHTTP2(t *testing.T) {
	png, err := os.ReadFile(filepath.Join("..", "testdata", "download", "with-alpha.png"))
	if err != nil {
		t.Fatal(err)
	}
	protos := make(chan string, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.Proto
		w.Write(png)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	var d Downloader
	d.init()
	defer d.CloseIdleConnections()
	// Trust the test server's certificate; everything else is as built.
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	tr := d.client.Transport.(*http.Transport)
	tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	if got, want := tr.MaxIdleConnsPerHost, DefaultMaxInFlight; got != want {
		t.Errorf("MaxIdleConnsPerHost = %d, want %d", got, want)
	}

	res, err := d.Fetch(t.Context(), srv.URL+"/a.png")
	if err != nil {
		t.Fatal(err)
	}
	if got := <-protos; got != "HTTP/2.0" {
		t.Errorf("request arrived over %s, want HTTP/2.0", got)
	}
	if res.Format != "png" || len(res.Data) != len(png) {
		t.Errorf("Fetch = %s, %d bytes; want png, %d bytes", res.Format, len(res.Data), len(png))
	}
}
