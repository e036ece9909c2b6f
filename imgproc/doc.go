// Package imgproc decodes, transforms and encodes images for batch jobs,
// with Pillow as its reference for results.
package imgproc
