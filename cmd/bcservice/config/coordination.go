package config

import "strings"

// Values of the coordination key (cmd/bcservice/README.md, "Replicas").
const (
	// CoordinationLocal (the default, also spelled "" or "off"): this
	// process keeps its own limits and device locks.
	CoordinationLocal = "local"
	// CoordinationPostgres shares them with the other replicas through the
	// PostgreSQL database of history.dsn.
	CoordinationPostgres = "postgres"
)

// CoordinationMode returns the coordination key resolved: local or
// postgres ("" for an unknown value).
func (c *Config) CoordinationMode() string {
	switch strings.ToLower(c.Coordination) {
	case "", "off", CoordinationLocal:
		return CoordinationLocal
	case CoordinationPostgres:
		return CoordinationPostgres
	}
	return ""
}

// Coordinated reports whether the replicas coordinate through PostgreSQL.
func (c *Config) Coordinated() bool { return c.CoordinationMode() == CoordinationPostgres }

// coordination checks the key: postgres needs the history in PostgreSQL,
// the database the replicas share.
func (k *checker) coordination() {
	switch k.c.CoordinationMode() {
	case "":
		k.bad("coordination", "%q must be local or postgres", k.c.Coordination)
	case CoordinationPostgres:
		if kind, _ := k.c.History.Store(); kind != HistoryPostgres {
			k.bad("coordination", "postgres needs history.dsn to be a postgres:// URL: the replicas share that database")
		}
	}
}
