"""ivr-v1 recounted from Asterisk's CEL lines (cel_custom.conf's ivr.csv), a made-up file."""

from __future__ import annotations

from pathlib import Path

from callcenter.ivrcalls.recount import lines, recount

CEL = """\
"APP_START","100.5","1.1","1.1","Stasis","cc-ivr-a,ivr","","0811"
"APP_START","101.0","2.1","2.1","Stasis","cc-ivr-a,ivr","","0812"
"APP_START","102.0","3.1","3.1","Stasis","cc-ivr-a,ivr","","0813"
"APP_START","102.5","4.1","4.1","Stasis","other-app,ivr","","0814"
"APP_START","103.0","5.1","5.1","Stasis","cc-ivr-a,ivr","","0815"
"APP_START","104.0","1.1","1.1","Queue","online-shopping,r,,,300","lang=th;opt=1;tries=1;fb=0;cases=0;out=routed","0811"
"APP_START","104.5","5.1","5.1","Queue","general-enquiries,r,,,300","lang=en;opt=;tries=2;fb=1;cases=0;out=routed","0815"
"CHAN_END","110.0","1.1","1.1","","","lang=th;opt=1;tries=1;fb=0;cases=0;out=routed","0811"
"CHAN_END","110.0","2.1","2.1","","","lang=th;opt=8;tries=1;fb=0;cases=1;out=","0812"
"CHAN_END","110.0","3.1","3.1","","","lang=th;opt=;tries=0;fb=0;cases=0;out=closed","0813"
"CHAN_END","110.0","4.1","4.1","","","","0814"
"CHAN_END","111.0","5.1","5.1","","","lang=en;opt=;tries=2;fb=1;cases=0;out=routed","0815"
"APP_START","200.0","6.1","6.1","Stasis","cc-ivr-a,ivr","","0816"
"""


def test_routed_hung_up_and_closed_callers_of_one_app_in_the_period(tmp_path: Path) -> None:
    path = tmp_path / "ivr.csv"
    path.write_text(CEL)
    counted = recount(lines(path), start=100, end=150, app="cc-ivr-a")
    assert counted == {
        "ivr_calls": 4,  # another app's caller and the one after the period left out
        "ivr_routed": 2,
        "ivr_hangups": 1,  # 2.1: no Queue() (it looked a case up, then hung up)
        "ivr_closed": 1,
        "ivr_fallbacks": 1,
        "ivr_case_status": 1,
        "ivr_by_language": {"en": 1, "th": 1},
        "ivr_by_option": {"1": 1, "none": 1},
        "ivr_by_queue": [
            {"queue": "general-enquiries", "ivr_routed": 1},
            {"queue": "online-shopping", "ivr_routed": 1},
        ],
    }
    assert recount(lines(tmp_path / "missing.csv"), start=0, end=1)["ivr_calls"] == 0
