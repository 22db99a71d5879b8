"""The prompt catalogue against S3 and the rendered folder: render, upload, list."""

from __future__ import annotations

import logging
from pathlib import Path

from minio import Minio

from callcenter.config import Settings
from callcenter.errors import InvalidInput, NotFound
from callcenter.ivrconf import LANGUAGES, PROMPTS_FILE, Catalogue, catalogue_file, load_catalogue
from callcenter.prompts import audio, catalogue, store

log = logging.getLogger(__name__)


class AudioMissing(NotFound):
    error_id = "prompt_audio_missing"


def load(settings: Settings) -> Catalogue:
    return load_catalogue(catalogue_file(settings.conf_dir))


def render_all(settings: Settings, s3: Minio) -> dict[str, int]:
    """Every prompt per language into settings.prompts_path: uploads, else placeholders."""
    counts = catalogue.render(
        load(settings),
        settings.prompts_path,
        uploaded=store.uploaded(s3, settings),
        fetch=lambda pid, lang: store.get(s3, settings, pid, lang),
        speak=audio.speak,
    )
    link_thai_digits(settings.prompts_path)
    return counts


# What Asterisk's Thai `say` plays (say.c ast_say_number_full_th: sounds/th/digits/<name>) →
# the catalogue's prompt that speaks it.
THAI_SAY_NAMES = (
    *(str(n) for n in range(21)), *(str(t * 10) for t in range(3, 10)),
    *(str(t * 10 + 1) for t in range(2, 10)), "roi", "pan", "muan", "san", "larn", "lop",
)  # fmt: skip


def thai_say_prompt(name: str) -> str:
    """The catalogue id of Asterisk's Thai digits/<name>: digit-0..9, else say-<name>."""
    return f"digit-{name}" if len(name) == 1 and name.isdigit() else f"say-{name}"


def link_thai_digits(prompts: Path) -> list[Path]:
    """Asterisk says numbers (queue position, minutes) in the channel's language from
    sounds/<lang>/digits/<name>; it ships none in Thai: link the catalogue's Thai recordings
    (`thai_say_prompt`) there (relative links inside the sounds folder). An existing real file
    is left alone; links are made again (one to a folder gone, a test's, would be silence)."""
    made = []
    folder = prompts.parent / "th" / "digits"
    folder.mkdir(parents=True, exist_ok=True)
    for name in THAI_SAY_NAMES:
        link = folder / f"{name}.wav"
        if link.exists() and not link.is_symlink():
            continue
        target = Path("..", "..", prompts.name, "th", f"{thai_say_prompt(name)}.wav")
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        made.append(link)
    return made


def check(book: Catalogue, prompt_id: str, language: str) -> None:
    if prompt_id not in book.prompts:
        raise NotFound(
            f"no prompt {prompt_id!r} in {PROMPTS_FILE} / ไม่มีข้อความเสียง {prompt_id!r}",
            known=book.ids,
        )
    if language not in LANGUAGES:
        raise InvalidInput(
            f"language must be one of {', '.join(LANGUAGES)} / ภาษาต้องเป็น th หรือ en",
            language=language,
        )


def upload(settings: Settings, s3: Minio, prompt_id: str, language: str, source: Path) -> str:
    """Convert (sox), store in S3, render into the played folder at once; the object key."""
    book = load(settings)
    check(book, prompt_id, language)
    wav = audio.convert(source)
    key = store.put(s3, settings, prompt_id, language, wav)
    catalogue.render(
        book,
        settings.prompts_path,
        uploaded={(prompt_id, language)},
        fetch=lambda _pid, _lang: wav,
        speak=audio.speak,
        only=(prompt_id, language),
    )
    log.info("prompt %s (%s) uploaded from %s as %s", prompt_id, language, source.name, key)
    return key


def played_file(settings: Settings, prompt_id: str, language: str) -> Path:
    """The file Asterisk plays for a prompt in a language now (the upload, else the
    placeholder); NotFound for a prompt not in the catalogue, AudioMissing when none is there."""
    check(load(settings), prompt_id, language)
    path = settings.prompts_path / language / f"{prompt_id}.wav"
    if not path.is_file():
        raise AudioMissing(
            f"{prompt_id!r} has no recording in {language} yet / "
            f"ข้อความเสียง {prompt_id!r} ยังไม่มีไฟล์เสียงภาษา {language}",
            id=prompt_id,
            language=language,
        )
    return path


def states(settings: Settings, s3: Minio) -> list[catalogue.PromptState]:
    return catalogue.states(
        load(settings), uploaded=store.uploaded(s3, settings), dest=settings.prompts_path
    )
