"""The internal DTD of an Apple Health ``export.xml`` (iOS 16's broken one, a valid one,
or none), for the synthetic writer."""

from __future__ import annotations

from typing import Literal

DtdStyle = Literal["ios16", "valid", "none"]


def _dtd(style: DtdStyle) -> str:
    """The internal DTD of a real export; ``ios16`` leaves ATTLIST blocks unclosed."""
    if style == "none":
        return ""
    broken = style == "ios16"
    lines = [
        "<!DOCTYPE HealthData [",
        "<!-- HealthKit Export Version: 14 -->",
        "<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|"
        "ClinicalRecord|Audiogram|VisionPrescription)*)>",
    ]

    def attlist(element: str, attrs: list[tuple[str, str]], *, close: bool = True) -> None:
        lines.append(f"<!ATTLIST {element}")
        lines.extend(f"  {name:<40} CDATA {kind}" for name, kind in attrs)
        if close:
            lines.append(">")

    req, imp = "#REQUIRED", "#IMPLIED"
    lines.append("<!ELEMENT ExportDate EMPTY>")
    attlist("ExportDate", [("value", req)])
    lines.append("<!ELEMENT Me EMPTY>")
    attlist(
        "Me",
        [
            ("HKCharacteristicTypeIdentifierDateOfBirth", req),
            ("HKCharacteristicTypeIdentifierBiologicalSex", req),
            ("HKCharacteristicTypeIdentifierBloodType", req),
            ("HKCharacteristicTypeIdentifierFitzpatrickSkinType", req),
            ("HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse", imp),
        ],
    )
    record = [
        ("type", req),
        ("unit", imp),
        ("value", imp),
        ("sourceName", req),
        ("sourceVersion", imp),
        ("device", imp),
        ("creationDate", imp),
        ("startDate", req),
        ("endDate", req),
    ]
    lines.append("<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>")
    attlist("Record", record)
    lines.append("<!ELEMENT Correlation ((MetadataEntry|Record)*)>")
    attlist("Correlation", [a for a in record if a[0] not in ("unit", "value")])
    lines.append(
        "<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>"
    )
    workout = [
        ("workoutActivityType", req),
        ("duration", imp),
        ("durationUnit", imp),
        ("totalDistance", imp),
        ("totalDistanceUnit", imp),
        ("totalEnergyBurned", imp),
        ("totalEnergyBurnedUnit", imp),
        *[a for a in record if a[0] not in ("type", "unit", "value")],
    ]
    attlist("Workout", workout)
    for element, attrs in (
        ("WorkoutActivity", ["uuid", "startDate", "endDate", "duration", "durationUnit"]),
        ("WorkoutEvent", ["type", "date", "duration", "durationUnit"]),
        (
            "WorkoutStatistics",
            ["type", "startDate", "endDate", "average", "minimum", "maximum", "sum", "unit"],
        ),
        ("WorkoutRoute", ["sourceName", "sourceVersion", "device", "creationDate"]),
        ("FileReference", ["path"]),
        (
            "ActivitySummary",
            [
                "dateComponents",
                "activeEnergyBurned",
                "activeEnergyBurnedGoal",
                "activeEnergyBurnedUnit",
                "appleMoveTime",
                "appleMoveTimeGoal",
                "appleExerciseTime",
                "appleExerciseTimeGoal",
                "appleStandHours",
                "appleStandHoursGoal",
            ],
        ),
        ("MetadataEntry", ["key", "value"]),
        ("HeartRateVariabilityMetadataList", []),
        ("InstantaneousBeatsPerMinute", ["bpm", "time"]),
        ("ClinicalRecord", ["type", "identifier", "sourceName", "sourceURL", "fhirVersion"]),
        ("Audiogram", ["type", "startDate", "endDate", "sourceName"]),
        ("SensitivityPoint", ["frequencyValue", "frequencyUnit", "leftEarValue"]),
        ("VisionPrescription", ["type", "dateIssued", "expirationDate", "brand"]),
        ("RightEye", ["sphere", "sphereUnit", "cylinder", "cylinderUnit", "axis"]),
        ("LeftEye", ["sphere", "sphereUnit", "cylinder", "cylinderUnit", "axis"]),
        ("Prism", ["amount", "amountUnit", "angle", "angleUnit", "eye"]),
        ("Attachment", ["identifier"]),
    ):
        lines.append(f"<!ELEMENT {element} ANY>")
        # iOS 16 leaves the ATTLIST of WorkoutActivity and InstantaneousBeatsPerMinute
        # open, which is where strict parsers stop (about line 156).
        open_ = broken and element in ("WorkoutActivity", "InstantaneousBeatsPerMinute")
        attlist(element, [(a, imp) for a in attrs], close=not open_)
    lines.append("]>")
    return "\n".join(lines) + "\n"
