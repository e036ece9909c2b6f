package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteFile writes r to the file name, as JSON if name ends in ".json"
// (any case) and as HTML otherwise. It writes a temporary file in the same
// directory and renames it into place, so name never holds a partial
// report. The file gets mode 0644: a report is meant to be shared.
//
// It returns the error of [WriteHTML] if r is invalid, and an error naming
// the file if creating, writing or renaming fails; either way name is left
// as it was.
func WriteFile(name string, r *Report) error {
	write := writeHTML
	if strings.EqualFold(filepath.Ext(name), ".json") {
		write = writeJSON
	}
	if err := r.validate(); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return fmt.Errorf("report: write %s: %w", name, err)
	}
	err = writeClose(f, r, write)
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("report: write %s: %w", name, err)
	}
	return nil
}

func writeClose(f *os.File, r *Report, write func(io.Writer, *Report) error) error {
	err := write(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
