package axlsoap

import (
	"reflect"
	"strings"
	"testing"
)

func TestDecodeListPhone(t *testing.T) {
	list := func(inner string) string { return envelope(`<ns:listPhone>` + inner + `</ns:listPhone>`) }
	tests := []struct {
		name    string
		body    string
		want    ListPhoneRequest
		wantErr string
	}{
		{name: "golden", body: readGolden(t, "listphone_request.xml"), want: ListPhoneRequest{Name: "SEPHD%", Tags: []string{"name", "model"}, First: 2}},
		{name: "no returnedTags: all tags", body: list(`<searchCriteria><name>%</name></searchCriteria>`), want: ListPhoneRequest{Name: "%"}},
		{name: "empty returnedTags: uuid only", body: list(`<searchCriteria><name>%</name></searchCriteria><returnedTags/>`), want: ListPhoneRequest{Name: "%", Tags: []string{}}},
		{name: "tags in schema order", body: list(`<searchCriteria><name>A</name></searchCriteria><returnedTags><model/><name/><description/></returnedTags><skip>5</skip>`), want: ListPhoneRequest{Name: "A", Tags: []string{"name", "description", "model"}, Skip: 5}},
		{name: "no searchCriteria", body: list(`<returnedTags><name/></returnedTags>`), wantErr: "searchCriteria with a name is required"},
		{name: "other criterion", body: list(`<searchCriteria><name>A</name><devicePoolName>X</devicePoolName></searchCriteria>`), wantErr: "searchCriteria devicePoolName is not supported"},
		{name: "unknown tag", body: list(`<searchCriteria><name>A</name></searchCriteria><returnedTags><lines/></returnedTags>`), wantErr: "returnedTags lines is not supported"},
		{name: "negative skip", body: list(`<searchCriteria><name>A</name></searchCriteria><skip>-1</skip>`), wantErr: "skip must be a non-negative integer"},
		{name: "bad first", body: list(`<searchCriteria><name>A</name></searchCriteria><first>ten</first>`), wantErr: "first must be a non-negative integer"},
		{name: "other method", body: envelope(`<ns:getPhone><name>A</name></ns:getPhone>`), wantErr: "not a SOAP envelope"},
		{name: "two methods", body: envelope(`<ns:listPhone/><ns:listPhone/>`), wantErr: "not a SOAP envelope"},
		{name: "doctype", body: `<!DOCTYPE x>` + list(`<searchCriteria><name>A</name></searchCriteria>`), wantErr: "not a SOAP envelope"},
		{name: "too deep", body: list(strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20)), wantErr: "not a SOAP envelope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeListPhone([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestListPhoneGolden(t *testing.T) {
	phones := []Phone{
		{UUID: "{3F2A6C1E-9B4D-5E8F-A1C2-D3E4F5A6B7C8}", Name: "SEPHD0000000001", Model: "Cisco 8845"},
		{UUID: "{7D1E2F3A-4B5C-5D6E-8F70-81A2B3C4D5E6}", Name: "SEPHD0000000002", Model: "Cisco 8845"},
	}
	tests := []struct {
		file string
		got  []byte
	}{
		{"listphone_response.xml", ListPhoneResponse(phones, []string{"name", "model"})},
		{"listphone_empty_response.xml", ListPhoneResponse(nil, nil)},
		{"listphone_parse_fault.xml", Fault("Unable to parse the listPhone request: searchCriteria with a name is required")},
	}
	for _, tt := range tests {
		if want := readGolden(t, tt.file); string(tt.got) != want {
			t.Errorf("%s:\n got %s\nwant %s", tt.file, tt.got, want)
		}
	}
	all := string(ListPhoneResponse([]Phone{{UUID: "{U}", Name: "A&B", Model: ""}}, nil))
	if !strings.Contains(all, `<phone uuid="{U}"><name>A&amp;B</name><description/><model/></phone>`) {
		t.Errorf("all tags: %s", all)
	}
	if got := string(ListPhoneResponse([]Phone{{UUID: "{U}", Name: "A"}}, []string{})); !strings.Contains(got, `<phone uuid="{U}"></phone>`) {
		t.Errorf("uuid only: %s", got)
	}
}

func TestLike(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"%", "", true},
		{"%", "SEP1", true},
		{"SEPHD%", "SEPHD001", true},
		{"SEPHD%", "sephd001", true},
		{"sephd%", "SEPHD001", true},
		{"SEPHD%", "SEPXX001", false},
		{"SEP_D%", "SEPHD1", true},
		{"SEP_D%", "SEPD1", false},
		{"%HD%", "SEPHD1", true},
		{"%1", "SEPHD1", true},
		{"%1", "SEPHD12", false},
		{"A%B%C", "AxxBxxC", true},
		{"A%B%C", "AxxCxxB", false},
		{`A\_B`, "A_B", true},
		{`A\_B`, "AxB", false},
		{`A\%`, "A%", true},
		{`A\%`, "Ab", false},
		{`A\`, "A", false},
		{"", "", true},
		{"", "A", false},
		{"ÄB%", "äb1", true},
	}
	for _, tt := range tests {
		if got := Like(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Like(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}
