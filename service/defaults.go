package service

import "time"

// DefaultRequestTimeout bounds a request's work when the configuration
// does not (cmd/bcservice/README.md, "Configuration").
const DefaultRequestTimeout = 10 * time.Second
