package service

import "time"

// Defaults of the HTTP layer's limits, plain values the configuration falls
// back to (README.md, "Configuration").
const (
	DefaultRequestTimeout = 10 * time.Second
	DefaultMaxBodyBytes   = 64 << 10
)
