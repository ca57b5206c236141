"""Bilingual vocabulary the mock "detect" server draws its invented answers from.

The vendor labels everything twice: an English name in Title case (``"Movie Theater"``) and the
Russian name its own product shows (``"Кинотеатр"``), plus paired category lists (``eng_categories`` /
``rus_categories``) that are nearly always empty: in the recorded real answers 33 of 34 labels carry
``[]`` and only ``Plant`` carries ``["Plants"]`` / ``["Растения"]``, so here only plant classes have a
category. When an image has no fixture, the rules engine picks classes from the tuples below
deterministically (derived from the image), so the order and contents of every tuple are part of the
server's observable behaviour: append new entries at the end rather than sorting or inserting, or
answers that used to be stable will change.

Nothing here is logic; the module only holds frozen records:

* ``OBJECTS`` -- classes for the "object2" mode (all of them) and the older "object" mode
  (those with ``in_v1``); ``aspect`` and ``size`` let the engine draw believable boxes, and ``group``
  lets it keep the answers for one image consistent across modes.
* ``SCENES`` -- whole-image labels for the "scene" mode; ``setting`` says what kind of photo they fit.
* ``PEDESTRIAN`` -- the one class of the "pedestrian" mode.
* ``PLATE_LATIN`` / ``PLATE_CYRILLIC`` / ``REGION_CODES`` -- material for Russian licence plates;
  ``FOREIGN_PLATES`` / ``FOREIGN_LETTERS`` for the other plates the service reads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    eng: str
    rus: str


@dataclass(frozen=True, slots=True)
class ObjectClass:
    eng: str
    rus: str
    categories: tuple[Category, ...]
    group: str
    aspect: float
    size: tuple[float, float]
    in_v1: bool


@dataclass(frozen=True, slots=True)
class SceneClass:
    eng: str
    rus: str
    categories: tuple[Category, ...]
    setting: str


# The one category the real answers were seen to carry ("Plant" -> "Plants"/"Растения").
PLANTS = Category("Plants", "Растения")

CATEGORIES: tuple[Category, ...] = (PLANTS,)

# Groups are coarser than categories and never shown to clients: the engine uses them to keep one
# image's answers coherent across modes (e.g. a "face" box only inside a "person" box).
GROUPS: tuple[str, ...] = (
    "person", "face", "vehicle", "animal", "food", "furniture", "electronics", "clothing", "plant",
    "kitchen", "sport", "building", "other", "style",
)

# Where a scene is: the engine gives a photo of cars a road or a city, a crowd a city, a hall or a stadium.
SETTINGS: tuple[str, ...] = ("city", "road", "nature", "indoors", "venue", "sport")

# aspect = width / height of a typical box; size = (min, max) of the box's longer side relative to
# the image's shorter side -- a bus can fill the frame, a spoon never does.
OBJECTS: tuple[ObjectClass, ...] = (
    # people
    ObjectClass("Person", "Человек", (), "person", 0.4, (0.15, 1.0), True),
    ObjectClass("Face", "Лицо", (), "face", 0.8, (0.05, 0.6), True),
    ObjectClass("Hand", "Рука", (), "person", 0.8, (0.05, 0.3), False),
    # vehicles
    ObjectClass("Car", "Автомобиль", (), "vehicle", 1.8, (0.1, 0.9), True),
    ObjectClass("Bus", "Автобус", (), "vehicle", 2.2, (0.25, 1.0), True),
    ObjectClass("Truck", "Грузовик", (), "vehicle", 2.0, (0.25, 1.0), True),
    ObjectClass("Motorcycle", "Мотоцикл", (), "vehicle", 1.5, (0.1, 0.7), True),
    ObjectClass("Bicycle", "Велосипед", (), "vehicle", 1.6, (0.1, 0.7), True),
    ObjectClass("Train", "Поезд", (), "vehicle", 3.0, (0.3, 1.0), True),
    ObjectClass("Airplane", "Самолёт", (), "vehicle", 2.5, (0.1, 1.0), True),
    ObjectClass("Boat", "Лодка", (), "vehicle", 2.2, (0.1, 0.8), True),
    ObjectClass("Tram", "Трамвай", (), "vehicle", 2.8, (0.3, 1.0), False),
    ObjectClass("Trolleybus", "Троллейбус", (), "vehicle", 2.6, (0.3, 1.0), False),
    ObjectClass("Helicopter", "Вертолёт", (), "vehicle", 2.0, (0.1, 0.8), False),
    ObjectClass("Ship", "Корабль", (), "vehicle", 3.0, (0.2, 1.0), False),
    ObjectClass("Van", "Фургон", (), "vehicle", 1.9, (0.15, 0.9), False),
    ObjectClass("Minibus", "Микроавтобус", (), "vehicle", 1.9, (0.15, 0.9), False),
    ObjectClass("Tractor", "Трактор", (), "vehicle", 1.5, (0.15, 0.9), False),
    ObjectClass("Scooter", "Самокат", (), "vehicle", 0.9, (0.1, 0.6), False),
    # animals
    ObjectClass("Dog", "Собака", (), "animal", 1.2, (0.1, 0.9), True),
    ObjectClass("Cat", "Кошка", (), "animal", 1.1, (0.1, 0.9), True),
    ObjectClass("Bird", "Птица", (), "animal", 1.0, (0.05, 0.6), True),
    ObjectClass("Horse", "Лошадь", (), "animal", 1.3, (0.2, 1.0), True),
    ObjectClass("Cow", "Корова", (), "animal", 1.5, (0.2, 1.0), True),
    ObjectClass("Sheep", "Овца", (), "animal", 1.3, (0.15, 0.9), True),
    ObjectClass("Bear", "Медведь", (), "animal", 1.3, (0.2, 1.0), True),
    ObjectClass("Elephant", "Слон", (), "animal", 1.4, (0.3, 1.0), True),
    ObjectClass("Giraffe", "Жираф", (), "animal", 0.6, (0.3, 1.0), True),
    ObjectClass("Zebra", "Зебра", (), "animal", 1.4, (0.2, 1.0), True),
    ObjectClass("Fish", "Рыба", (), "animal", 2.0, (0.05, 0.6), False),
    ObjectClass("Pigeon", "Голубь", (), "animal", 1.1, (0.05, 0.4), False),
    ObjectClass("Duck", "Утка", (), "animal", 1.3, (0.05, 0.5), False),
    ObjectClass("Parrot", "Попугай", (), "animal", 0.7, (0.05, 0.5), False),
    ObjectClass("Squirrel", "Белка", (), "animal", 1.0, (0.05, 0.5), False),
    ObjectClass("Fox", "Лиса", (), "animal", 1.5, (0.1, 0.8), False),
    ObjectClass("Wolf", "Волк", (), "animal", 1.5, (0.15, 0.9), False),
    ObjectClass("Deer", "Олень", (), "animal", 1.2, (0.15, 1.0), False),
    ObjectClass("Rabbit", "Кролик", (), "animal", 1.2, (0.05, 0.6), False),
    ObjectClass("Hamster", "Хомяк", (), "animal", 1.3, (0.05, 0.5), False),
    ObjectClass("Goat", "Коза", (), "animal", 1.3, (0.15, 0.9), False),
    ObjectClass("Pig", "Свинья", (), "animal", 1.6, (0.15, 0.9), False),
    ObjectClass("Monkey", "Обезьяна", (), "animal", 0.8, (0.1, 0.8), False),
    ObjectClass("Butterfly", "Бабочка", (), "animal", 1.4, (0.03, 0.4), False),
    # food
    ObjectClass("Apple", "Яблоко", (), "food", 1.0, (0.05, 0.5), True),
    ObjectClass("Banana", "Банан", (), "food", 2.0, (0.05, 0.6), True),
    ObjectClass("Orange", "Апельсин", (), "food", 1.0, (0.05, 0.5), True),
    ObjectClass("Carrot", "Морковь", (), "food", 3.0, (0.05, 0.6), True),
    ObjectClass("Broccoli", "Брокколи", (), "food", 1.0, (0.05, 0.5), True),
    ObjectClass("Sandwich", "Бутерброд", (), "food", 1.4, (0.1, 0.7), True),
    ObjectClass("Hot Dog", "Хот-дог", (), "food", 2.2, (0.1, 0.7), True),
    ObjectClass("Pizza", "Пицца", (), "food", 1.2, (0.15, 0.9), True),
    ObjectClass("Donut", "Пончик", (), "food", 1.1, (0.05, 0.5), True),
    ObjectClass("Cake", "Торт", (), "food", 1.3, (0.1, 0.8), True),
    ObjectClass("Bread", "Хлеб", (), "food", 1.6, (0.1, 0.7), False),
    ObjectClass("Cheese", "Сыр", (), "food", 1.4, (0.05, 0.6), False),
    ObjectClass("Salad", "Салат", (), "food", 1.3, (0.1, 0.7), False),
    ObjectClass("Burger", "Бургер", (), "food", 1.2, (0.1, 0.7), False),
    ObjectClass("Sushi", "Суши", (), "food", 1.5, (0.05, 0.6), False),
    ObjectClass("Pancakes", "Блины", (), "food", 1.3, (0.1, 0.7), False),
    ObjectClass("Soup", "Суп", (), "food", 1.3, (0.1, 0.7), False),
    ObjectClass("Ice Cream", "Мороженое", (), "food", 0.6, (0.05, 0.6), False),
    ObjectClass("Watermelon", "Арбуз", (), "food", 1.3, (0.1, 0.7), False),
    ObjectClass("Grapes", "Виноград", (), "food", 0.8, (0.05, 0.5), False),
    ObjectClass("Strawberry", "Клубника", (), "food", 0.9, (0.03, 0.4), False),
    ObjectClass("Coffee", "Кофе", (), "food", 1.0, (0.05, 0.5), False),
    # furniture and fittings
    ObjectClass("Chair", "Стул", (), "furniture", 0.7, (0.15, 0.9), True),
    ObjectClass("Couch", "Диван", (), "furniture", 2.2, (0.3, 1.0), True),
    ObjectClass("Bed", "Кровать", (), "furniture", 1.6, (0.4, 1.0), True),
    ObjectClass("Dining Table", "Обеденный стол", (), "furniture", 1.6, (0.3, 1.0), True),
    ObjectClass("Bench", "Скамейка", (), "furniture", 2.5, (0.2, 0.9), True),
    ObjectClass("Toilet", "Унитаз", (), "furniture", 0.7, (0.15, 0.8), True),
    ObjectClass("Mirror", "Зеркало", (), "furniture", 0.7, (0.1, 0.9), True),
    ObjectClass("Lamp", "Лампа", (), "furniture", 0.6, (0.05, 0.6), True),
    ObjectClass("Desk", "Письменный стол", (), "furniture", 1.7, (0.3, 1.0), False),
    ObjectClass("Armchair", "Кресло", (), "furniture", 1.0, (0.2, 0.9), False),
    ObjectClass("Wardrobe", "Шкаф", (), "furniture", 0.6, (0.4, 1.0), False),
    ObjectClass("Shelf", "Полка", (), "furniture", 2.5, (0.15, 0.9), False),
    # electronics and appliances
    ObjectClass("TV", "Телевизор", (), "electronics", 1.7, (0.15, 0.9), True),
    ObjectClass("Laptop", "Ноутбук", (), "electronics", 1.4, (0.1, 0.8), True),
    ObjectClass("Computer Mouse", "Компьютерная мышь", (), "electronics", 0.6, (0.03, 0.3), True),
    ObjectClass("Keyboard", "Клавиатура", (), "electronics", 3.0, (0.1, 0.8), True),
    ObjectClass("Remote Control", "Пульт", (), "electronics", 0.3, (0.03, 0.4), True),
    ObjectClass("Mobile Phone", "Мобильный телефон", (), "electronics", 0.5, (0.03, 0.5), True),
    ObjectClass("Hair Dryer", "Фен", (), "electronics", 1.0, (0.05, 0.5), True),
    ObjectClass("Clock", "Часы", (), "other", 1.0, (0.05, 0.5), True),
    ObjectClass("Camera", "Фотоаппарат", (), "electronics", 1.4, (0.05, 0.5), False),
    ObjectClass("Monitor", "Монитор", (), "electronics", 1.6, (0.15, 0.8), False),
    ObjectClass("Headphones", "Наушники", (), "electronics", 1.0, (0.05, 0.5), False),
    ObjectClass("Tablet", "Планшет", (), "electronics", 0.75, (0.05, 0.6), False),
    ObjectClass("Printer", "Принтер", (), "electronics", 1.4, (0.1, 0.7), False),
    ObjectClass("Speaker", "Колонка", (), "electronics", 0.6, (0.05, 0.6), False),
    ObjectClass("Washing Machine", "Стиральная машина", (), "electronics", 0.9, (0.2, 0.9), False),
    # clothing and accessories
    ObjectClass("Backpack", "Рюкзак", (), "clothing", 0.7, (0.05, 0.6), True),
    ObjectClass("Handbag", "Сумка", (), "clothing", 1.1, (0.05, 0.5), True),
    ObjectClass("Tie", "Галстук", (), "clothing", 0.25, (0.05, 0.4), True),
    ObjectClass("Umbrella", "Зонт", (), "clothing", 1.5, (0.1, 0.8), True),
    ObjectClass("Glasses", "Очки", (), "clothing", 2.5, (0.03, 0.3), True),
    ObjectClass("Hat", "Шляпа", (), "clothing", 1.3, (0.03, 0.4), True),
    ObjectClass("Cap", "Кепка", (), "clothing", 1.3, (0.03, 0.3), False),
    ObjectClass("Dress", "Платье", (), "clothing", 0.5, (0.15, 0.9), False),
    ObjectClass("Jacket", "Куртка", (), "clothing", 0.9, (0.1, 0.8), False),
    ObjectClass("Coat", "Пальто", (), "clothing", 0.6, (0.15, 0.9), False),
    ObjectClass("Shirt", "Рубашка", (), "clothing", 0.9, (0.1, 0.8), False),
    ObjectClass("T-Shirt", "Футболка", (), "clothing", 0.9, (0.1, 0.8), False),
    ObjectClass("Jeans", "Джинсы", (), "clothing", 0.5, (0.1, 0.8), False),
    ObjectClass("Sneakers", "Кроссовки", (), "clothing", 2.0, (0.03, 0.4), False),
    ObjectClass("Scarf", "Шарф", (), "clothing", 0.6, (0.05, 0.5), False),
    ObjectClass("Gloves", "Перчатки", (), "clothing", 0.8, (0.03, 0.3), False),
    ObjectClass("Wristwatch", "Наручные часы", (), "clothing", 0.8, (0.02, 0.2), False),
    ObjectClass("Suitcase", "Чемодан", (), "clothing", 0.7, (0.1, 0.7), True),
    # plants
    ObjectClass("Potted Plant", "Комнатное растение", (PLANTS,), "plant", 0.8, (0.1, 0.7), True),
    ObjectClass("Tree", "Дерево", (PLANTS,), "plant", 0.7, (0.2, 1.0), True),
    ObjectClass("Flower", "Цветок", (PLANTS,), "plant", 1.0, (0.03, 0.5), True),
    ObjectClass("Vase", "Ваза", (), "other", 0.6, (0.05, 0.6), True),
    ObjectClass("Rose", "Роза", (PLANTS,), "plant", 0.8, (0.03, 0.5), False),
    ObjectClass("Sunflower", "Подсолнух", (PLANTS,), "plant", 0.8, (0.05, 0.6), False),
    ObjectClass("Cactus", "Кактус", (PLANTS,), "plant", 0.6, (0.05, 0.6), False),
    ObjectClass("Palm Tree", "Пальма", (PLANTS,), "plant", 0.6, (0.2, 1.0), False),
    ObjectClass("Mushroom", "Гриб", (), "plant", 0.9, (0.03, 0.4), False),
    # kitchenware and kitchen appliances
    ObjectClass("Bottle", "Бутылка", (), "kitchen", 0.35, (0.05, 0.6), True),
    ObjectClass("Wine Glass", "Бокал", (), "kitchen", 0.45, (0.05, 0.5), True),
    ObjectClass("Cup", "Чашка", (), "kitchen", 1.0, (0.03, 0.4), True),
    ObjectClass("Fork", "Вилка", (), "kitchen", 0.2, (0.05, 0.4), True),
    ObjectClass("Knife", "Нож", (), "kitchen", 0.15, (0.05, 0.5), True),
    ObjectClass("Spoon", "Ложка", (), "kitchen", 0.2, (0.05, 0.4), True),
    ObjectClass("Bowl", "Миска", (), "kitchen", 1.6, (0.05, 0.5), True),
    ObjectClass("Microwave", "Микроволновая печь", (), "kitchen", 1.6, (0.15, 0.8), True),
    ObjectClass("Oven", "Духовка", (), "kitchen", 1.1, (0.2, 0.9), True),
    ObjectClass("Toaster", "Тостер", (), "kitchen", 1.3, (0.05, 0.5), True),
    ObjectClass("Sink", "Раковина", (), "kitchen", 1.5, (0.1, 0.8), True),
    ObjectClass("Refrigerator", "Холодильник", (), "kitchen", 0.5, (0.3, 1.0), True),
    ObjectClass("Mug", "Кружка", (), "kitchen", 1.1, (0.03, 0.4), False),
    ObjectClass("Kettle", "Чайник", (), "kitchen", 1.0, (0.05, 0.5), False),
    ObjectClass("Frying Pan", "Сковорода", (), "kitchen", 1.8, (0.1, 0.6), False),
    ObjectClass("Saucepan", "Кастрюля", (), "kitchen", 1.3, (0.1, 0.6), False),
    ObjectClass("Cutting Board", "Разделочная доска", (), "kitchen", 1.5, (0.1, 0.7), False),
    # sports gear
    ObjectClass("Ball", "Мяч", (), "sport", 1.0, (0.02, 0.4), True),
    ObjectClass("Frisbee", "Фрисби", (), "sport", 1.3, (0.02, 0.3), True),
    ObjectClass("Skis", "Лыжи", (), "sport", 0.2, (0.1, 0.9), True),
    ObjectClass("Snowboard", "Сноуборд", (), "sport", 0.3, (0.1, 0.8), True),
    ObjectClass("Kite", "Воздушный змей", (), "sport", 1.0, (0.03, 0.5), True),
    ObjectClass("Baseball Bat", "Бейсбольная бита", (), "sport", 0.15, (0.05, 0.5), True),
    ObjectClass("Baseball Glove", "Бейсбольная перчатка", (), "sport", 1.0, (0.02, 0.3), True),
    ObjectClass("Skateboard", "Скейтборд", (), "sport", 2.5, (0.05, 0.6), True),
    ObjectClass("Surfboard", "Доска для серфинга", (), "sport", 0.3, (0.1, 0.9), True),
    ObjectClass("Tennis Racket", "Теннисная ракетка", (), "sport", 0.6, (0.05, 0.5), True),
    ObjectClass("Soccer Ball", "Футбольный мяч", (), "sport", 1.0, (0.02, 0.4), False),
    ObjectClass("Dumbbell", "Гантель", (), "sport", 2.0, (0.05, 0.4), False),
    ObjectClass("Hockey Stick", "Хоккейная клюшка", (), "sport", 0.3, (0.1, 0.7), False),
    ObjectClass("Ice Skates", "Коньки", (), "sport", 1.2, (0.05, 0.4), False),
    # buildings and structures
    ObjectClass("House", "Дом", (), "building", 1.4, (0.3, 1.0), True),
    ObjectClass("Building", "Здание", (), "building", 1.0, (0.3, 1.0), True),
    ObjectClass("Bridge", "Мост", (), "building", 3.5, (0.4, 1.0), True),
    ObjectClass("Church", "Церковь", (), "building", 0.8, (0.3, 1.0), False),
    ObjectClass("Skyscraper", "Небоскрёб", (), "building", 0.35, (0.4, 1.0), False),
    ObjectClass("Tower", "Башня", (), "building", 0.3, (0.3, 1.0), False),
    ObjectClass("Castle", "Замок", (), "building", 1.5, (0.3, 1.0), False),
    ObjectClass("Monument", "Памятник", (), "building", 0.6, (0.2, 1.0), False),
    ObjectClass("Fountain", "Фонтан", (), "building", 1.3, (0.2, 1.0), False),
    # everyday things
    ObjectClass("Traffic Light", "Светофор", (), "other", 0.4, (0.05, 0.5), True),
    ObjectClass("Road Sign", "Дорожный знак", (), "other", 0.9, (0.03, 0.4), True),
    ObjectClass("Fire Hydrant", "Пожарный гидрант", (), "other", 0.6, (0.05, 0.5), True),
    ObjectClass("Parking Meter", "Паркомат", (), "other", 0.4, (0.1, 0.6), True),
    ObjectClass("Book", "Книга", (), "other", 0.7, (0.05, 0.6), True),
    ObjectClass("Scissors", "Ножницы", (), "other", 0.6, (0.03, 0.4), True),
    ObjectClass("Teddy Bear", "Плюшевый мишка", (), "other", 0.8, (0.05, 0.7), True),
    ObjectClass("Toothbrush", "Зубная щётка", (), "other", 0.15, (0.03, 0.4), True),
    ObjectClass("Guitar", "Гитара", (), "other", 0.4, (0.1, 0.8), True),
    ObjectClass("Microphone", "Микрофон", (), "other", 0.3, (0.03, 0.4), True),
    ObjectClass("Piano", "Пианино", (), "other", 1.3, (0.3, 1.0), False),
    ObjectClass("Violin", "Скрипка", (), "other", 0.4, (0.1, 0.6), False),
    ObjectClass("Drum Kit", "Барабанная установка", (), "other", 1.4, (0.2, 0.9), False),
    ObjectClass("Painting", "Картина", (), "other", 1.3, (0.1, 0.9), False),
    ObjectClass("Pen", "Ручка", (), "other", 0.1, (0.03, 0.3), False),
    ObjectClass("Key", "Ключ", (), "other", 0.4, (0.02, 0.2), False),
    ObjectClass("Wallet", "Кошелёк", (), "other", 1.4, (0.03, 0.3), False),
    ObjectClass("Candle", "Свеча", (), "other", 0.3, (0.03, 0.4), False),
    ObjectClass("Balloon", "Воздушный шарик", (), "other", 0.8, (0.05, 0.5), False),
    ObjectClass("Flag", "Флаг", (), "other", 1.5, (0.05, 0.6), False),
    ObjectClass("Trash Can", "Мусорный бак", (), "other", 0.7, (0.1, 0.7), False),
    ObjectClass("Street Lamp", "Уличный фонарь", (), "other", 0.2, (0.2, 1.0), False),
    ObjectClass("Stroller", "Детская коляска", (), "other", 0.9, (0.15, 0.8), False),
    ObjectClass("Box", "Коробка", (), "other", 1.3, (0.05, 0.7), False),
    ObjectClass("Doll", "Кукла", (), "other", 0.4, (0.05, 0.6), False),
    # seen in the real answers: the object model also names what a close-up shows and how it was taken
    ObjectClass("Plant", "Растение", (PLANTS,), "plant", 0.9, (0.2, 1.0), True),
    ObjectClass("Leaf", "Листок", (), "plant", 0.9, (0.05, 0.8), True),
    ObjectClass("Close-up", "Крупный план", (), "style", 1.2, (0.6, 1.0), True),
    ObjectClass("Macro Photography", "Макросъемка", (), "style", 1.2, (0.6, 1.0), True),
)

# Whole-image labels; ``setting`` lets the engine avoid pairing, say, "Bed" with "Highway".
SCENES: tuple[SceneClass, ...] = (
    SceneClass("Beauty Salon", "Салон красоты", (), "indoors"),
    SceneClass("Stage", "Сцена", (), "venue"),
    SceneClass("Concert Hall", "Концертный зал", (), "venue"),
    SceneClass("Street", "Улица", (), "city"),
    SceneClass("Parking Lot", "Парковка", (), "road"),
    SceneClass("Highway", "Шоссе", (), "road"),
    SceneClass("Beach", "Пляж", (), "nature"),
    SceneClass("Mountain", "Горы", (), "nature"),
    SceneClass("Forest", "Лес", (), "nature"),
    SceneClass("Lake", "Озеро", (), "nature"),
    SceneClass("Field", "Поле", (), "nature"),
    SceneClass("River", "Река", (), "nature"),
    SceneClass("Sea", "Море", (), "nature"),
    SceneClass("Waterfall", "Водопад", (), "nature"),
    SceneClass("Desert", "Пустыня", (), "nature"),
    SceneClass("Swamp", "Болото", (), "nature"),
    SceneClass("Sky", "Небо", (), "nature"),
    SceneClass("Sunset", "Закат", (), "nature"),
    SceneClass("Park", "Парк", (), "city"),
    SceneClass("Garden", "Сад", (), "nature"),
    SceneClass("Office", "Офис", (), "indoors"),
    SceneClass("Conference Room", "Конференц-зал", (), "indoors"),
    SceneClass("Kitchen", "Кухня", (), "indoors"),
    SceneClass("Bedroom", "Спальня", (), "indoors"),
    SceneClass("Living Room", "Гостиная", (), "indoors"),
    SceneClass("Bathroom", "Ванная", (), "indoors"),
    SceneClass("Corridor", "Коридор", (), "indoors"),
    SceneClass("Restaurant", "Ресторан", (), "indoors"),
    SceneClass("Cafe", "Кафе", (), "indoors"),
    SceneClass("Bar", "Бар", (), "indoors"),
    SceneClass("Supermarket", "Супермаркет", (), "venue"),
    SceneClass("Store", "Магазин", (), "indoors"),
    SceneClass("Shopping Mall", "Торговый центр", (), "venue"),
    SceneClass("Market", "Рынок", (), "city"),
    SceneClass("Pharmacy", "Аптека", (), "indoors"),
    SceneClass("Stadium", "Стадион", (), "sport"),
    SceneClass("Gym", "Спортзал", (), "sport"),
    SceneClass("Swimming Pool", "Бассейн", (), "sport"),
    SceneClass("Tennis Court", "Теннисный корт", (), "sport"),
    SceneClass("Ice Rink", "Каток", (), "sport"),
    SceneClass("Ski Resort", "Горнолыжный курорт", (), "sport"),
    SceneClass("Classroom", "Учебный класс", (), "indoors"),
    SceneClass("Library", "Библиотека", (), "indoors"),
    SceneClass("Museum", "Музей", (), "venue"),
    SceneClass("Theater", "Театр", (), "venue"),
    SceneClass("Movie Theater", "Кинотеатр", (), "venue"),
    SceneClass("Nightclub", "Ночной клуб", (), "venue"),
    SceneClass("Hospital", "Больница", (), "indoors"),
    SceneClass("Laboratory", "Лаборатория", (), "indoors"),
    SceneClass("Airport", "Аэропорт", (), "venue"),
    SceneClass("Train Station", "Вокзал", (), "venue"),
    SceneClass("Subway Station", "Станция метро", (), "venue"),
    SceneClass("Bus Stop", "Автобусная остановка", (), "city"),
    SceneClass("Gas Station", "Автозаправка", (), "road"),
    SceneClass("Car Wash", "Автомойка", (), "road"),
    SceneClass("Garage", "Гараж", (), "road"),
    SceneClass("Port", "Порт", (), "city"),
    SceneClass("Town Square", "Площадь", (), "city"),
    SceneClass("Embankment", "Набережная", (), "city"),
    SceneClass("Courtyard", "Двор", (), "city"),
    SceneClass("Playground", "Детская площадка", (), "city"),
    SceneClass("Cityscape", "Городской пейзаж", (), "city"),
    SceneClass("Construction Site", "Строительная площадка", (), "city"),
    SceneClass("Village", "Деревня", (), "nature"),
    SceneClass("Farm", "Ферма", (), "nature"),
    SceneClass("Campsite", "Кемпинг", (), "nature"),
    SceneClass("Hotel Room", "Гостиничный номер", (), "indoors"),
    SceneClass("Warehouse", "Склад", (), "indoors"),
    SceneClass("Factory", "Завод", (), "indoors"),
    SceneClass("Temple", "Храм", (), "venue"),
    SceneClass("Cave", "Пещера", (), "nature"),
    # seen in the real answers
    SceneClass("Auditorium", "Зрительный зал", (), "venue"),
    SceneClass("Rice Paddy", "Рисовое поле", (), "nature"),
)

# The "pedestrian" mode has a single class of its own; the real service names it "Pedestrian" in English
# and "Человек" in Russian (the vendor's page shows it machine-translated back as "Man").
PEDESTRIAN: tuple[str, str] = ("Pedestrian", "Человек")

# Russian plates use only the 12 Cyrillic letters that have Latin look-alikes, so that plates stay
# readable abroad; answers may need either spelling, so the two alphabets are kept index-aligned.
PLATE_LATIN = "ABEKMHOPCTYX"
PLATE_CYRILLIC = "АВЕКМНОРСТУХ"

# Region codes as printed on plates.  Codes of abolished or merged subjects (80, 81, 84, 85, 88) and
# the Baikonur code (94) are left out so that invented plates look like ordinary, current ones.
REGION_CODES: tuple[str, ...] = (
    *(f"{n:02d}" for n in range(1, 80)),
    "82", "83", "86", "87", "89", "90", "92", "93", "95", "96", "97", "98", "99",
    "102", "113", "116", "121", "122", "123", "124", "125", "126", "134", "136", "138", "142", "147",
    "150", "152", "154", "156", "159", "161", "163", "164", "173", "174", "177", "178", "186", "190",
    "193", "196", "197", "198", "199",
    "702", "716", "750", "761", "763", "774", "777", "790", "797", "799", "977",
)

# Plates from elsewhere, as the real service reads them ("MA77K0S", "K777"): L a Latin letter, D a digit.
# Their "rus" is "" -- the service spells only Russian plates in Cyrillic.
FOREIGN_PLATES: tuple[str, ...] = ("LLDDLDL", "LDDD", "LLLDDD", "DDDLLLDD", "LLDDDDLL", "DDDDLLD", "LDDDLL")
FOREIGN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
