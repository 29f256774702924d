// Package rollup keeps the usage reports' rollups (cmd/bcservice/README.md,
// "Usage reports") and serves reports from them.
//
// The job (Advance, run by Job in every bcservice process that serves the
// dashboard) reads the rows
// of the phone-changing operations of whole UTC hours that have settled
// (Settle), a UTC day at most per batch, and writes in one transaction
// (history.RollupStore.ApplyRollup, refused when the watermark, the stale
// mark or the batch's rows changed meanwhile):
//
//   - per scope (every cluster, and each cluster) and hour: logins,
//     failures, the sets of users and devices (interned IDs), the peak of
//     concurrent sessions, the logged-in time and the lengths of the
//     sessions begun in the hour, counted by report.Cell (a session's
//     length is added to its start hour when it ends);
//   - the same per whole day of UTC and of the reports' zone (dayrows.go);
//   - per UTC day, a snapshot of every device's cumulative figures with
//     their hourly detail (day.go), so that a report reads two snapshots;
//   - the sessions open at the watermark.
//
// Run serves a report from the rollups below the watermark and the rows
// above it (the tail), when the filter allows it (Servable) and the
// rollups are current; otherwise report.Run computes it from the rows.
// Both make the same report: rolluptest.Property checks it on random
// histories in every store.
package rollup
