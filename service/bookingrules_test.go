package service

import (
	"strings"
	"testing"
	"time"
)

func TestBookingTimes(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 500, time.UTC)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	tests := []struct {
		name      string
		o         BookingOptions
		wantCode  int
		wantStart time.Time
	}{
		{"start defaults to now", BookingOptions{End: at(time.Hour)}, 0, now.Truncate(time.Second)},
		{"future", BookingOptions{Start: at(time.Hour), End: at(2 * time.Hour)}, 0, at(time.Hour).Truncate(time.Second)},
		{"start 59 s ago", BookingOptions{Start: at(-59 * time.Second), End: at(time.Hour)}, 0, at(-59 * time.Second).Truncate(time.Second)},
		{"end missing", BookingOptions{Start: at(time.Hour)}, CodeInvalidFormat, time.Time{}},
		{"end at start", BookingOptions{Start: at(time.Hour), End: at(time.Hour)}, CodeBookingEndOrder, time.Time{}},
		{"end before start", BookingOptions{Start: at(time.Hour), End: at(time.Minute)}, CodeBookingEndOrder, time.Time{}},
		{"start two minutes ago", BookingOptions{Start: at(-2 * time.Minute), End: at(time.Hour)}, CodeBookingStartPast, time.Time{}},
		{"exactly 7 days", BookingOptions{Start: at(time.Hour), End: at(time.Hour + MaxBookingLength)}, 0, at(time.Hour).Truncate(time.Second)},
		{"7 days and a second", BookingOptions{Start: at(time.Hour), End: at(time.Hour + MaxBookingLength + time.Second)}, CodeBookingTooLong, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, _, err := bookingTimes(tt.o, now)
			if got := ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code %d, want %d (%v)", got, tt.wantCode, err)
			}
			if err == nil && !start.Equal(tt.wantStart) {
				t.Errorf("start %v, want %v", start, tt.wantStart)
			}
		})
	}
}

func TestBookingOptions(t *testing.T) {
	tests := []struct {
		name, value string
		wantCode    int
		check       func(BookingOptions) bool
	}{
		{OptionStart, "2026-12-06T10:00:00+01:00", 0, func(o BookingOptions) bool { return o.Start.Equal(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)) }},
		{OptionEnd, " 2026-12-06T10:00:00Z ", 0, func(o BookingOptions) bool { return o.End.Hour() == 10 }},
		{OptionStart, "tomorrow", CodeInvalidFormat, nil},
		{OptionEnd, "2026-12-06 10:00", CodeInvalidFormat, nil},
		{OptionFrom, strings.Repeat("9", 5000), CodeInvalidFormat, nil},
		{OptionState, "Active", 0, func(o BookingOptions) bool { return o.State == BookingActive }},
		{OptionState, "gone", CodeInvalidFormat, nil},
		{OptionUser, "EUUSER03", 0, func(o BookingOptions) bool { return o.User == "EUUSER03" }},
		{OptionUser, "a\x01b", CodeInvalidFormat, nil},
		{OptionUser, strings.Repeat("u", 129), CodeInvalidFormat, nil},
		{OptionLogout, "false", 0, func(o BookingOptions) bool { return o.KeepLogin }},
		{OptionLogout, "true", 0, func(o BookingOptions) bool { return !o.KeepLogin }},
		{OptionLogout, "maybe", CodeInvalidFormat, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+clip(tt.value), func(t *testing.T) {
			var r Request
			err := r.SetOption(tt.name, tt.value)
			if got := ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code %d, want %d (%v)", got, tt.wantCode, err)
			}
			if err != nil && len(err.Error()) > 200 {
				t.Errorf("the refused value is echoed clipped: %d bytes", len(err.Error()))
			}
			if tt.check != nil && !tt.check(r.Booking) {
				t.Errorf("options %+v", r.Booking)
			}
		})
	}
}

func TestBookingIDValidation(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want int
	}{
		{newBookingID(), 0},
		{"", CodeInvalidFormat},
		{strings.Repeat("a", 65), CodeInvalidFormat},
		{"b1/../x", CodeInvalidFormat},
		{"b\x00", CodeInvalidFormat},
	} {
		if got := ErrorCode(Request{Op: OpCancel, BookingID: tt.id}.Validate()); got != tt.want {
			t.Errorf("%q: %d, want %d", tt.id, got, tt.want)
		}
	}
}

func TestLoginMinutes(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		left time.Duration
		want int
	}{{time.Hour, 60}, {61 * time.Second, 2}, {time.Second, 1}, {-time.Minute, 1}, {8 * 24 * time.Hour, MaxDurationMinutes}} {
		if got := loginMinutes(now, now.Add(tt.left)); got != tt.want {
			t.Errorf("%v left: %d, want %d", tt.left, got, tt.want)
		}
	}
}
