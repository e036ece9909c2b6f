package turbojpeg

// culong is C's unsigned long: 32 bits on Windows (LLP64).
type culong = uint32
