"""What `dlenv.bootstrap()` does on a recorded platform image, and which lessons would not run there.

The bootstrap decides from the machine: the doctor's recommended row for its driver and GPUs, then
`plan_install` beside what is installed. A recorded image has no driver; the platform ships a torch its
driver runs, so the probe here carries the driver floor of that torch's CUDA (src/dlenv/facts/cuda.toml)
and the GPU the image's accelerator names. The rest of the way is the bootstrap's own code.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.bootstrap import InstallPlan, extras_for, install_row, plan_install
from dlenv.doctor import diagnose
from dlenv.doctor.probe import Gpu, Packages, Probe, TensorflowInfo, TorchInfo
from dlenv.facts import compute_capability_of, major_minor, release_tuple, toolkit_driver, version_tuple
from dlenv.matrix import Matrix, Row
from dlenv.platforms.images import PlatformImage, torch_cuda
from dlenv.platforms.profiles import profiles

KERAS_3_TENSORFLOW = (2, 16)  # TensorFlow 2.16 made Keras 3 its keras (TF 2.16 release notes)
BITSANDBYTES_CPU = (0, 48)  # bitsandbytes' CPU backend is official since 0.48 (envs/matrix.toml [bnb])
QUANTIZED = ("qlora",)  # lessons that train through bitsandbytes' 4-bit layers


@dataclass(frozen=True)
class ImagePlan:
    image: PlatformImage
    row: Row  # the row the bootstrap installs for
    plan: InstallPlan
    lessons: dict[str, str | None]  # lesson -> why it would not run there, None when it would

    def as_json(self) -> dict:
        image = self.image
        return {
            "image": image.name,
            "recorded": image.recorded,
            "sources": list(image.sources),
            "python": image.python,
            "os": image.os,
            "accelerator": image.accelerator,
            "complete": image.complete,
            "torch": image.packages.get("torch"),
            "tensorflow": image.packages.get("tensorflow") or image.packages.get("tensorflow-cpu"),
            "row": self.row.name,
            "installs": list(self.plan.requirements),
            "keeps": list(self.plan.constraints),
            "warnings": list(self.plan.warnings),
            "lessons": [{"name": name, "runs": why is None, "why_not": why} for name, why in self.lessons.items()],
        }


def probe_of(image: PlatformImage) -> Probe:
    """The machine the image runs on, as the doctor sees it."""
    cuda = torch_cuda(image)
    gpus: tuple[Gpu, ...] = ()
    driver = None
    if image.has_gpu and image.accelerator:
        gpus = (Gpu(image.accelerator, compute_capability_of(image.accelerator)),)
        driver = toolkit_driver(cuda) if cuda else None
    packages = image.packages
    tensorflow = packages.get("tensorflow") or packages.get("tensorflow-cpu")
    return Probe(
        driver_version=driver,
        cuda_driver=cuda if driver else None,
        gpus=gpus,
        python=image.python if image.python.count(".") == 2 else f"{image.python}.0",
        platform=image.platform,  # type: ignore[arg-type]  # the folder names a platform profile
        packages=Packages(
            torch=TorchInfo(packages["torch"], cuda=cuda) if "torch" in packages else None,
            tensorflow=TensorflowInfo(tensorflow) if tensorflow else None,
        ),
    )


def bootstrap_plan(image: PlatformImage, matrix: Matrix, lessons: tuple[str, ...] = ()) -> tuple[Row, InstallPlan]:
    """The row and the install plan `dlenv.bootstrap(lessons=...)` makes on `image`."""
    row = install_row(diagnose(probe_of(image), matrix), matrix)
    mirror = profiles()[image.platform].mirrors.default
    return row, plan_install(image.packages, torch_cuda(image), matrix, row, lessons, extras=extras_for(mirror))


def lessons_on(image: PlatformImage, matrix: Matrix) -> dict[str, str | None]:
    """Every lesson, with why it would not run on `image` after the bootstrap, or None when it would."""
    from dlenv.lessons_catalog import lesson_names
    from dlenv.runner.frameworks import TENSORFLOW, lesson_framework, lesson_needs

    python = major_minor(image.python)
    pythons = sorted({v for row in matrix.rows.values() for v in row.python}, key=version_tuple)
    row, plan = bootstrap_plan(image, matrix)
    packages = image.packages
    tensorflow = packages.get("tensorflow") or packages.get("tensorflow-cpu")
    found: dict[str, str | None] = {}
    for name in lesson_names():
        found[name] = None
        if python not in pythons:
            found[name] = (
                f"Python {python} is in no matrix row ({', '.join(pythons)}): nothing dlenv pins installs there"
            )
        elif lesson_framework(name) == TENSORFLOW:
            found[name] = _tensorflow_reason(name, tensorflow, row, matrix)
        elif name not in row.lessons:
            found[name] = f"row {row.name}, the one the bootstrap installs for, does not run it"
        elif missing := [p for p in lesson_needs(name) if image.complete and p not in packages and "torch" in packages]:
            found[name] = (
                f"needs {', '.join(missing)}, which the image lacks; the bootstrap keeps the platform's torch "
                f"{packages['torch']} and installs no {missing[0]} beside it (pip install the one built for it)"
            )
        elif name in QUANTIZED:
            found[name] = _bitsandbytes_reason(image, plan)
    return found


def _tensorflow_reason(lesson: str, tensorflow: str | None, row: Row, matrix: Matrix) -> str | None:
    if tensorflow is not None:  # the platform's own TensorFlow, kept as it is
        if release_tuple(tensorflow) < KERAS_3_TENSORFLOW:
            return f"the image's TensorFlow {tensorflow} ships Keras 2; the Keras lessons need TensorFlow >= 2.16"
        return None
    if row.tensorflow is None:
        return f"the image has no TensorFlow and row {row.name} pins none: {row.no_tensorflow_reason}"
    if row.tensorflow_env == "separate":
        return (
            f"the image has no TensorFlow and row {row.name} keeps TensorFlow apart from torch: "
            f"envs/requirements/{row.name}-tf.txt in an environment of its own"
        )
    if lesson not in row.lessons:
        return f"row {row.name}, the one the bootstrap installs for, does not run it"
    return None  # the bootstrap installs the row's TensorFlow when the lesson is asked for


def _bitsandbytes_reason(image: PlatformImage, plan: InstallPlan) -> str | None:
    """4-bit layers need bitsandbytes: on a CPU image its CPU backend (>= 0.48); the bootstrap installs the row's
    when the image has none, and keeps the image's own whatever its version."""
    version = image.packages.get("bitsandbytes")
    if version is None or image.has_gpu:
        return None
    if release_tuple(version) < BITSANDBYTES_CPU:
        return f"the image's bitsandbytes {version} has no CPU backend (0.48 and later), and the image has no GPU"
    return None


def image_plan(spec: str, matrix: Matrix) -> ImagePlan:
    """`spec` is PLATFORM or PLATFORM/VARIANT ("colab", "kaggle/cpu"): the image, its bootstrap plan, its lessons."""
    from dlenv.platforms.images import image

    platform, _, variant = spec.partition("/")
    found = image(platform, variant or None)
    row, plan = bootstrap_plan(found, matrix)
    return ImagePlan(found, row, plan, lessons_on(found, matrix))
