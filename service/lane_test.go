package service

import (
	"context"
	"testing"
)

func TestLaneOf(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want Lane
	}{
		{"unmarked is interactive", context.Background(), LaneInteractive},
		{"scheduled", WithLane(context.Background(), LaneScheduled), LaneScheduled},
		{"the innermost mark wins", WithLane(WithLane(context.Background(), LaneScheduled), LaneInteractive), LaneInteractive},
	}
	for _, tt := range tests {
		if got := LaneOf(tt.ctx); got != tt.want {
			t.Errorf("%s: LaneOf = %v, want %v", tt.name, got, tt.want)
		}
	}
	if LaneScheduled.String() != "scheduled" || LaneInteractive.String() != "interactive" {
		t.Error("lane names")
	}
}
