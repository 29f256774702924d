package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/httpapi"
)

// Main is the bcservice program: flags and environment arrive as fields, Run
// serves until ctx ends and then drains in-flight requests. main() only wires
// signals to ctx; tests drive Main directly.
type Main struct {
	ConfigPath string
	// Listen, LogLevel and LogFormat override the file when non-empty.
	Listen    string
	LogLevel  string
	LogFormat string
	// AddrFile, when set, receives {"listen":"host:port"} once bound.
	AddrFile string
	// Stderr receives the logs; nil means os.Stderr.
	Stderr io.Writer
}

// LoadConfig reads the file, applies the overrides and validates.
func (m *Main) LoadConfig() (*service.Config, error) {
	data, err := os.ReadFile(m.ConfigPath)
	if err != nil {
		return nil, err
	}
	cfg, err := service.ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.ConfigPath, err)
	}
	if m.Listen != "" {
		cfg.Listen = m.Listen
	}
	if m.LogLevel != "" {
		cfg.Log.Level = m.LogLevel
	}
	if m.LogFormat != "" {
		cfg.Log.Format = m.LogFormat
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", m.ConfigPath, err)
	}
	return cfg, nil
}

// Run loads the configuration, binds the listener, writes the address file
// and serves until ctx is done; then it stops accepting, waits up to
// server.shutdownTimeout for in-flight requests and returns.
func (m *Main) Run(ctx context.Context) error {
	cfg, err := m.LoadConfig()
	if err != nil {
		return err
	}
	stderr := m.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	log := newLogger(cfg.Log, stderr)

	clusters := make([]service.Cluster, 0, len(cfg.Clusters))
	clients := make([]*emclient.Client, 0, len(cfg.Clusters))
	for _, spec := range cfg.Clusters {
		c, err := emclient.New(spec, emclient.Options{Logger: log})
		if err != nil {
			return err
		}
		clients = append(clients, c)
		clusters = append(clusters, c)
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	conn, err := service.NewConnector(clusters, cfg.DefaultCluster())
	if err != nil {
		return err
	}
	handler := httpapi.New(conn, httpapi.Options{Logger: log, RequestTimeout: cfg.RequestTimeout, MaxBodyBytes: cfg.MaxBodyBytes})

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
		MaxHeaderBytes:    cfg.Server.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	addr := ln.Addr().String()
	if m.AddrFile != "" {
		if err := writeAddrFile(m.AddrFile, addr); err != nil {
			_ = srv.Close()
			<-served
			return err
		}
	}
	codes := make([]string, 0, len(cfg.Clusters))
	for _, c := range cfg.Clusters {
		codes = append(codes, c.Code)
	}
	log.Info("bcservice listening", "addr", addr, "clusters", strings.Join(codes, ","), "default", cfg.DefaultCluster())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.Server.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	log.Info("stopped")
	return nil
}

func newLogger(c service.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated already
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// writeAddrFile writes {"listen":"addr"} atomically (temp file + rename) so a
// reader never sees a partial file.
func writeAddrFile(path, addr string) error {
	data, err := json.Marshal(map[string]string{"listen": addr})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".addr-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
