#!/usr/bin/env python3
"""gspread, unchanged, against the fake Sheets server; every call checked by what it reads back.

Usage: gspread_check.py BASE_URL

gspread builds its URLs from https://sheets.googleapis.com; it accepts the requests session it
talks through (gspread.Client(auth, session=...)), so the session given here is google-auth's
AuthorizedSession with one change: requests for sheets.googleapis.com go to BASE_URL. Credentials
are the fake's service-account key (GET BASE_URL/control/credentials); google-auth exchanges the
JWT at the fake's token_uri. Calls exercised: open_by_key, worksheet.update, get_all_values,
batch_update, clear, batch_clear, resize, add_rows, insert_row, delete_rows, update_title,
spreadsheet.add_worksheet / del_worksheet. Exits non-zero on the first mismatch.
"""
import json
import sys
import urllib.request

import gspread
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

base = sys.argv[1].rstrip("/")
GOOGLE = "https://sheets.googleapis.com"


class FakeSheetsSession(AuthorizedSession):
    """google-auth's session, sending what gspread addresses to Google to the fake instead."""

    def request(self, method, url, *args, **kwargs):
        if url.startswith(GOOGLE):
            url = base + url[len(GOOGLE):]
        return super().request(method, url, *args, **kwargs)


def check(label, got, expected):
    if got != expected:
        raise SystemExit("MISMATCH %s: got %r, expected %r" % (label, got, expected))
    print("ok %-28s %s" % (label, json.dumps(got, ensure_ascii=False)))


with urllib.request.urlopen(base + "/control/credentials", timeout=10) as response:
    info = json.load(response)
request = urllib.request.Request(base + "/control/spreadsheets", data=json.dumps({"sheets": ["Sheet1"]}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request, timeout=10) as response:
    spreadsheet_id = json.load(response)["spreadsheetId"]

credentials = service_account.Credentials.from_service_account_info(
    info, scopes=["https://www.googleapis.com/auth/spreadsheets"])
client = gspread.Client(credentials, session=FakeSheetsSession(credentials))
spreadsheet = client.open_by_key(spreadsheet_id)
sheet = spreadsheet.sheet1
check("open_by_key title", sheet.title, "Sheet1")

sheet.update([["name", "score"], ["ana", "12"], ["bob", "9"]], "A1")
check("update + get_all_values", sheet.get_all_values(), [["name", "score"], ["ana", "12"], ["bob", "9"]])

sheet.batch_update([{"range": "A4:B4", "values": [["cy", "7"]]}, {"range": "D1", "values": [["note"]]}])
check("batch_update", sheet.get_all_values(),
      [["name", "score", "", "note"], ["ana", "12", "", ""], ["bob", "9", "", ""], ["cy", "7", "", ""]])

sheet.batch_clear(["D1", "A4:B4"])
check("batch_clear", sheet.get_all_values(), [["name", "score"], ["ana", "12"], ["bob", "9"]])

sheet.insert_row(["zed", "1"], index=2)
check("insert_row", sheet.get_all_values(), [["name", "score"], ["zed", "1"], ["ana", "12"], ["bob", "9"]])

sheet.delete_rows(2)
check("delete_rows", sheet.get_all_values(), [["name", "score"], ["ana", "12"], ["bob", "9"]])


def grid(title):
    properties = spreadsheet.worksheet(title)._properties["gridProperties"]
    return [properties["rowCount"], properties["columnCount"]]


sheet.resize(rows=10, cols=4)
check("resize", grid("Sheet1"), [10, 4])
sheet.add_rows(5)
check("add_rows", grid("Sheet1"), [15, 4])
check("values after resize", sheet.get_all_values(), [["name", "score"], ["ana", "12"], ["bob", "9"]])

sheet.update_title("Scores")
check("update_title", [ws.title for ws in spreadsheet.worksheets()], ["Scores"])

sheet.clear()
# Google leaves `values` out of an empty range's answer; gspread reads that as one empty row.
check("clear", spreadsheet.worksheet("Scores").get_all_values(), [[]])

extra = spreadsheet.add_worksheet("Extra", rows=5, cols=3)
check("add_worksheet", [ws.title for ws in spreadsheet.worksheets()], ["Scores", "Extra"])
spreadsheet.del_worksheet(extra)
check("del_worksheet", [ws.title for ws in spreadsheet.worksheets()], ["Scores"])

try:
    spreadsheet.del_worksheet(spreadsheet.worksheet("Scores"))
    raise SystemExit("MISMATCH del_worksheet of the last sheet: no error")
except gspread.exceptions.APIError as error:
    check("del_worksheet last sheet", (error.code, error.args[0]["message"]),
          (400, "Invalid requests[0].deleteSheet: You can't remove all the sheets in a document."))

print("OK: gspread %s worked against %s" % (gspread.__version__, base))
