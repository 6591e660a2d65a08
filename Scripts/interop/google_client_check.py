#!/usr/bin/env python3
"""Google's own client libraries against the fake Sheets server, unchanged.

Usage: google_client_check.py BASE_URL [SPREADSHEET_ID]

Loads the service-account key from BASE_URL/control/credentials, authorizes with
google.oauth2.service_account.Credentials (token_uri taken from the key file), builds the
discovery-based Sheets v4 client pointed at BASE_URL, appends two rows, reads them back with
values.get and batchGet, adds a sheet with a quoted name and reads a percent-encoded range,
clears a range (values.clear), writes two ranges (values.batchUpdate), inserts a row, renames the
sheet, appends columns and retitles the spreadsheet in one spreadsheets.batchUpdate, reads the
spreadsheet with a fields mask, and checks that an unknown request kind is a 400.
Exits non-zero on any mismatch.
"""
import json
import sys
import urllib.request

from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

base = sys.argv[1].rstrip("/")
spreadsheet_id = sys.argv[2] if len(sys.argv) > 2 else None

with urllib.request.urlopen(base + "/control/credentials", timeout=10) as response:
    info = json.load(response)
print("key file: type=%s client_email=%s token_uri=%s" % (info["type"], info["client_email"], info["token_uri"]))

if spreadsheet_id is None:
    request = urllib.request.Request(base + "/control/spreadsheets", data=json.dumps({"sheets": ["Attendance"]}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        spreadsheet_id = json.load(response)["spreadsheetId"]

credentials = service_account.Credentials.from_service_account_info(
    info, scopes=["https://www.googleapis.com/auth/spreadsheets"])
# The discovery document is bundled with google-api-python-client (static_discovery), so no
# network is needed; only api_endpoint changes.
sheets = build("sheets", "v4", credentials=credentials, client_options={"api_endpoint": base},
               cache_discovery=False)
values = sheets.spreadsheets().values()

rows = [["2024-05-01T08:00:00Z", "1001", "ana", "Ana Pérez", "check_in", "40.4168", "-3.7038", "Madrid HQ", "12", "1"],
        ["2024-05-01T17:00:00Z", "1001", "ana", "Ana Pérez", "check_out", "40.4168", "-3.7038", "Madrid HQ", "9", "2"]]
for row in rows:
    result = values.append(spreadsheetId=spreadsheet_id, range="Attendance!A1", valueInputOption="USER_ENTERED",
                           insertDataOption="INSERT_ROWS", body={"values": [row]}).execute()
    print("append:", json.dumps(result, sort_keys=True))
print("token obtained by google-auth: expiry=%s valid=%s" % (credentials.expiry, credentials.valid))

got = values.get(spreadsheetId=spreadsheet_id, range="Attendance!A1:J").execute()
print("get:", json.dumps(got, ensure_ascii=False, sort_keys=True))
assert got["values"] == rows, got

unformatted = values.get(spreadsheetId=spreadsheet_id, range="Attendance!I1:I2", valueRenderOption="UNFORMATTED_VALUE").execute()
print("get UNFORMATTED_VALUE:", json.dumps(unformatted, sort_keys=True))
assert unformatted["values"] == [[12], [9]], unformatted

reply = sheets.spreadsheets().batchUpdate(spreadsheetId=spreadsheet_id,
                                          body={"requests": [{"addSheet": {"properties": {"title": "Bob's Sheet"}}}]}).execute()
print("batchUpdate addSheet:", json.dumps(reply, sort_keys=True))
values.update(spreadsheetId=spreadsheet_id, range="'Bob''s Sheet'!B2", valueInputOption="RAW",
              body={"values": [["raw", "007"]]}).execute()
batch = values.batchGet(spreadsheetId=spreadsheet_id, ranges=["Attendance!A1:B1", "'Bob''s Sheet'!A1:C2"]).execute()
print("batchGet:", json.dumps(batch, sort_keys=True))
assert batch["valueRanges"][1]["values"] == [[], ["", "raw", "007"]], batch

cleared = values.clear(spreadsheetId=spreadsheet_id, range="'Bob''s Sheet'!B2:B2", body={}).execute()
print("values.clear:", json.dumps(cleared, sort_keys=True))
assert cleared["clearedRange"] == "'Bob''s Sheet'!B2", cleared
after_clear = values.get(spreadsheetId=spreadsheet_id, range="'Bob''s Sheet'!A1:C2").execute()
assert after_clear["values"] == [[], ["", "", "007"]], after_clear

written = values.batchUpdate(spreadsheetId=spreadsheet_id, body={
    "valueInputOption": "RAW",
    "data": [{"range": "'Bob''s Sheet'!A1:A2", "majorDimension": "COLUMNS", "values": [["a", "b"]]},
             {"range": "'Bob''s Sheet'!B1", "values": [[None, "skipped"]]}]}).execute()
print("values.batchUpdate:", json.dumps(written, sort_keys=True))
assert (written["totalUpdatedCells"], written["totalUpdatedRows"], written["totalUpdatedColumns"]) == (3, 2, 2), written
after_batch = values.get(spreadsheetId=spreadsheet_id, range="'Bob''s Sheet'!A1:C2").execute()
assert after_batch["values"] == [["a", "", "skipped"], ["b", "", "007"]], after_batch

bob_id = reply["replies"][0]["addSheet"]["properties"]["sheetId"]
structure = sheets.spreadsheets().batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": [
    {"insertDimension": {"range": {"sheetId": bob_id, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}}},
    {"updateSheetProperties": {"properties": {"sheetId": bob_id, "title": "Bob"}, "fields": "title"}},
    {"appendDimension": {"sheetId": bob_id, "dimension": "COLUMNS", "length": 2}},
    {"updateSpreadsheetProperties": {"properties": {"title": "Interop"}, "fields": "title"}},
]}).execute()
print("batchUpdate structure:", json.dumps(structure, sort_keys=True))
assert structure["replies"] == [{}, {}, {}, {}], structure
moved = values.get(spreadsheetId=spreadsheet_id, range="Bob!A1:C3").execute()
assert moved["values"] == [[], ["a", "", "skipped"], ["b", "", "007"]], moved
masked = sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, fields="properties.title,sheets.properties").execute()
print("get spreadsheet (fields):", json.dumps(masked, sort_keys=True))
assert masked["properties"] == {"title": "Interop"}, masked
assert [s["properties"]["gridProperties"] for s in masked["sheets"]][1] == {"rowCount": 1001, "columnCount": 28}, masked

try:
    sheets.spreadsheets().batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": [{"fooBar": {}}]}).execute()
    raise SystemExit("expected an HttpError for an unknown request kind")
except HttpError as error:
    print("HttpError as expected: status=%s reason=%r" % (error.resp.status, error._get_reason()))
    assert error.resp.status == 400
    assert "Unknown name \"fooBar\" at 'requests[0]'" in error._get_reason(), error._get_reason()

meta = sheets.spreadsheets().get(spreadsheetId=spreadsheet_id).execute()
print("get spreadsheet: sheets=%s" % [s["properties"]["title"] for s in meta["sheets"]])

try:
    values.get(spreadsheetId=spreadsheet_id, range="Nope!A1").execute()
    raise SystemExit("expected an HttpError for an unknown sheet")
except HttpError as error:
    print("HttpError as expected: status=%s reason=%r" % (error.resp.status, error._get_reason()))
    assert error.resp.status == 400

print("OK: google-auth + google-api-python-client worked against", base)
