package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fanout-dev/fanout/internal/atomicfile"
)

// serverSettingsFile is the name, in a server's store, of the settings a
// restart reuses.
const serverSettingsFile = "fanout-server.json"

// serverSettings are what "fanout server" keeps in its store so that a
// restart without the same flags is the same server: its name in the
// cluster (JetStream knows its peers by name), the credentials workers
// hold, and the TLS files. The file is readable by its owner only: it
// holds the credentials.
type serverSettings struct {
	Name     string `json:"name,omitempty"`
	Token    string `json:"token,omitempty"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	TLSCert  string `json:"tls_cert,omitempty"`
	TLSKey   string `json:"tls_key,omitempty"`
	TLSCA    string `json:"tls_ca,omitempty"`
}

// loadServerSettings reads the settings kept in store; none is the zero
// value.
func loadServerSettings(store string) (serverSettings, error) {
	var s serverSettings
	path := filepath.Join(store, serverSettingsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("%s: %v (remove it to start afresh)", path, err)
	}
	return s, nil
}

// save writes s to store, atomically, readable by its owner only.
func (s serverSettings) save(store string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(store, serverSettingsFile), append(data, '\n'), 0o600)
}
